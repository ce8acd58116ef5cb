// Fonts written as PDF objects through libharu's object layer. libharu's own TrueType path
// (HPDF_LoadTTFontFromFile + the UTF-8 encoder) loads fonts only from a file, re-parses it and
// builds, deflates and embeds a 65,536-entry CID→glyph map per font and document. Here each font
// is a Type0 / CIDFontType2 with Identity-H encoding: the document's own hb-subset of the face,
// one CID per character used (so two characters drawn by one glyph still extract exactly), a
// CIDToGIDMap, the widths, and a compact ToUnicode CMap.
#pragma once

#include <hpdf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "font_face.h"

namespace sendflow::engine::pdf {

// One character code of an embedded font: the glyph it draws (in the source face), its advance
// and the text it stands for. A shaper (issue 16) would produce these per glyph cluster.
struct CidGlyph {
  std::uint32_t glyph = 0;
  int width = 0;        // 1/1000 em
  std::u32string text;  // what text extraction gives back
};

struct CidFont {
  HPDF_Dict dict = nullptr;          // the Type0 font
  std::vector<std::uint16_t> cidOf;  // BMP code point → CID (0: not in this font)
};

// The font cut down to `codes` (sorted, unique code points): CID i + 1 draws codes[i].
// Throws InfraError.
CidFont embedFont(HPDF_Doc h, const FontFace& face, const std::vector<char32_t>& codes);

}  // namespace sendflow::engine::pdf
