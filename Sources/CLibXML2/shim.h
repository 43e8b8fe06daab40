#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
/* libxml2 (Debian libxml2-dev, pkg-config libxml-2.0): the HTML parser for html, the XML reader for docx/pptx parts. */
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, whose headers clash with Foundation's bundled ICU module. Only the trailing
 * members of xmlCharEncodingHandler depend on it, and this package never touches encoding handlers. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlreader.h>
#endif
