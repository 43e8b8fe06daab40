// The Search room: see README.md and ../shared/DESIGN.md for what lives here.
