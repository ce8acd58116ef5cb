// Fonts written as PDF objects through libharu's object layer. libharu's own TrueType path
// (HPDF_LoadTTFontFromFile + the UTF-8 encoder) loads fonts only from a file, re-parses it and
// builds, deflates and embeds a 65,536-entry CID→glyph map per font and document. Here each font
// is a Type0 / CIDFontType2 with Identity-H encoding: the document's own hb-subset of the face,
// one CID per character used (so two characters drawn by one glyph still extract exactly), a
// CIDToGIDMap, the widths, and a compact ToUnicode CMap.
#pragma once

#include <hpdf.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "font_face.h"

namespace sendflow::engine::pdf {

// One character code of an embedded font: the glyph it draws (in the source face), its advance
// and the text it stands for (for a shaped glyph: its cluster's text when it is the cluster's
// only glyph, else empty; /ActualText carries the line's text, see page_content.cpp).
struct CidGlyph {
  std::uint32_t glyph = 0;
  int width = 0;         // 1/1000 em
  std::u32string text;   // what text extraction gives back
  bool carrier = false;  // an invisible carrier of a cluster's text (shaper.h: Carrier)
};

struct CidFont {
  HPDF_Dict dict = nullptr;          // the Type0 font
  std::vector<std::uint16_t> cidOf;  // BMP code point → CID (0: not in this font)
};

// The font cut down to `codes` (sorted, unique code points): CID i + 1 draws codes[i].
// Throws InfraError.
CidFont embedFont(HPDF_Doc h, const FontFace& face, const std::vector<char32_t>& codes);

// A code's key: the glyph, its text, and for a carrier its width (-1 otherwise).
using GlyphKey = std::tuple<std::uint32_t, std::u32string, int>;

struct ScriptFont {
  HPDF_Dict dict = nullptr;  // the Type0 font
  bool cff = false;          // codes are glyph ids (CIDs)
  std::map<GlyphKey, std::uint16_t> codeOf;
  std::uint16_t code(const GlyphKey& key) const {
    if (cff) return static_cast<std::uint16_t>(std::get<0>(key));
    auto it = codeOf.find(key);
    return it == codeOf.end() ? 0 : it->second;
  }
};

// A script face cut down to `glyphs` (sorted by glyph and text): a CIDFontType2 (glyf; CID i + 1
// draws glyphs[i]) or a CIDFontType0 with FontFile3 /CIDFontType0C (CFF; the code is the CID).
// Throws InfraError.
ScriptFont embedScriptFont(HPDF_Doc h, const FontFace& face, const std::vector<CidGlyph>& glyphs);

}  // namespace sendflow::engine::pdf
