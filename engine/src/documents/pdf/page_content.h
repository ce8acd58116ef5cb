// The recorded layout written into the document: every page's content as PDF operators (colour
// and line width only when they change), deflated once per page at zlib's fastest level; libharu
// keeps the document structure, images and resources. libharu's own content-stream compression
// (default level) cost more than all the layout.
#pragma once

#include <vector>

#include "cid_font.h"
#include "haru.h"
#include "layout.h"

namespace sendflow::engine::pdf {

// The code points the regular (or bold) font draws, plus the ones writePages() may add.
std::vector<char32_t> usedCodePoints(const Layout& layout, bool bold);

// Adds the layout's pages to doc. Throws InfraError.
void writePages(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold);

}  // namespace sendflow::engine::pdf
