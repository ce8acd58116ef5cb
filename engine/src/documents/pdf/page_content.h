// The recorded layout written into the document: every page's content as PDF operators (colour
// and line width only when they change), deflated once per page at zlib's fastest level; libharu
// keeps the document structure, images and resources. libharu's own content-stream compression
// (default level) cost more than all the layout.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "cid_font.h"
#include "haru.h"
#include "layout.h"

namespace sendflow::engine::pdf {

// The code points the regular (or bold) font draws, plus the ones writePages() may add.
std::vector<char32_t> usedCodePoints(const Layout& layout, bool bold);

// The glyphs each script face draws in the layout (sorted by glyph and text), with the text of
// the cluster each glyph is the first of (extraction without /ActualText); faces in the order
// the layout first uses them (so the same document gives the same bytes in any process).
std::vector<std::pair<const FontFace*, std::vector<CidGlyph>>> usedScriptGlyphs(
    const Layout& layout);

using ScriptFonts = std::map<const FontFace*, ScriptFont>;

// Adds the layout's pages to doc. A left-to-right script run is written inside a marked-content
// span whose /ActualText is the run as typed, so pdftotext and copy give it back exactly;
// right-to-left runs extract through ToUnicode per glyph cluster (see PageContent::shaped).
// Throws InfraError.
void writePages(Doc& doc, const Layout& layout, const CidFont& regular, const CidFont& bold,
                const ScriptFonts& scriptFonts);

}  // namespace sendflow::engine::pdf
