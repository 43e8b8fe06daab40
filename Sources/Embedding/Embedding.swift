// The Embedding room: see README.md and ../shared/DESIGN.md for what lives here.
