#ifndef CCMARK_SHIM_H
#define CCMARK_SHIM_H
/* cmark-gfm (Debian libcmark-gfm-dev, libcmark-gfm-extensions-dev): CommonMark with GitHub's table extension. */
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#endif
