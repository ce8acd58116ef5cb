// A TrueType font as the renderer uses it, read with HarfBuzz: which code points it draws, their
// advance widths, the descriptor values a PDF font needs, and per-document subsets (hb-subset).
// Shaping (issue 16) plugs in here: a shaper would read the same face and hand glyph ids to
// subset(), which already works on glyphs, not characters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct hb_face_t;

namespace sendflow::engine::pdf {

struct FontMetrics {  // PDF font descriptor values, in 1/1000 em
  int ascent = 0, descent = 0, capHeight = 0;
  std::array<int, 4> bbox{};
  std::string postScriptName;  // letters, digits and '-' only; "Font" when the font has none
};

struct SubsetFont {
  std::string ttf;                    // a complete TrueType file
  std::vector<std::uint32_t> glyphs;  // the requested glyph ids, renumbered as in ttf
};

// Immutable after construction; every member is safe to call from many threads at once.
class FontFace {
 public:
  // REQUIRES: ttf is a TrueType (glyf) font with a Unicode cmap. Throws InfraError otherwise.
  explicit FontFace(std::string ttf);
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  // Whether the font has a glyph for cp and cp is renderable (isRenderableCodePoint).
  bool covers(char32_t cp) const { return cp < widths_.size() && widths_[cp] >= 0; }
  // Advance width in 1/1000 em, truncated; 0 when not covered.
  int width(char32_t cp) const { return covers(cp) ? widths_[cp] : 0; }
  // The glyph drawing cp (0, .notdef, when not covered).
  std::uint32_t glyph(char32_t cp) const { return covers(cp) ? glyphs_[cp] : 0; }
  const FontMetrics& metrics() const { return metrics_; }

  // The font cut down to `glyphs` (and the components of composite glyphs), without hinting and
  // with only the tables a PDF CIDFontType2 reads. Throws InfraError when HarfBuzz cannot subset.
  SubsetFont subset(const std::vector<std::uint32_t>& glyphs) const;

 private:
  void readCoverage();
  void readMetrics();

  // The face subset() works on: the font as given for the first document, then (from the second
  // on) hb_subset_preprocess's copy, which makes each later subset fast but costs more than one
  // subset to build: a one-document process (`sendflow render`) never builds it.
  hb_face_t* subsetSource() const;

  hb_face_t* face_ = nullptr;  // the font as given
  mutable std::atomic<hb_face_t*> preprocessed_{nullptr};
  mutable std::atomic<int> subsets_{0};
  mutable std::once_flag preprocessOnce_;
  std::vector<std::uint32_t> dropTables_;
  std::vector<std::int16_t> widths_;  // BMP code point → width; -1 = not shown
  std::vector<std::uint16_t> glyphs_;
  FontMetrics metrics_;
};

}  // namespace sendflow::engine::pdf

namespace sendflow::engine::pdf {

// The renderer's two faces. A character is shown only when both draw it, so a word never
// changes between regular and bold.
struct FontSet {
  explicit FontSet(std::string regularTtf, std::string boldTtf)
      : regular(std::move(regularTtf)), bold(std::move(boldTtf)) {}
  FontFace regular, bold;
  const FontFace& of(bool isBold) const { return isBold ? bold : regular; }
  bool shown(char32_t cp) const { return regular.covers(cp) && bold.covers(cp); }
};

}  // namespace sendflow::engine::pdf
