#ifndef CPOPPLER_SHIM_H
#define CPOPPLER_SHIM_H
/* poppler-glib (Debian libpoppler-glib-dev, pkg-config poppler-glib): PDF documents, pages, text and its layout. */
#include <poppler.h>
#include <glib-object.h>
#endif
