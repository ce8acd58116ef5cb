// A font as the renderer uses it, read with HarfBuzz: which code points it draws, their advance
// widths, the descriptor values a PDF font needs, per-document subsets (hb-subset), and the
// hb_font_t the shaper (shaper.h) shapes script runs with. Two kinds: the regular/bold faces
// (DejaVu, TrueType bytes read whole, coverage tables built once) and script faces (Noto, mapped
// files, TrueType or CFF-flavoured OpenType, possibly a face of a collection, cmap looked up).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct hb_face_t;
struct hb_font_t;

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
  // A script face: `bytes` stay valid while `owner` lives. Throws InfraError when the face has
  // no glyphs or no Unicode cmap.
  FontFace(std::shared_ptr<const void> owner, std::string_view bytes, unsigned faceIndex);
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  // Whether the font has a glyph for cp and cp is renderable (isRenderableCodePoint).
  // (Script faces: whether the cmap maps cp.)
  bool covers(char32_t cp) const {
    return script_ ? coversByCmap(cp) : cp < widths_.size() && widths_[cp] >= 0;
  }
  // Advance width in 1/1000 em, truncated; 0 when not covered. (Regular/bold faces only.)
  int width(char32_t cp) const { return covers(cp) && !script_ ? widths_[cp] : 0; }
  // The glyph drawing cp (0, .notdef, when not covered). (Regular/bold faces only.)
  std::uint32_t glyph(char32_t cp) const { return covers(cp) && !script_ ? glyphs_[cp] : 0; }
  // The glyph of U+0020 (0 when none).
  std::uint32_t spaceGlyph() const;
  // A glyph's advance in 1/1000 em (as the PDF /W array wants it).
  int glyphAdvance(std::uint32_t glyph) const;
  const FontMetrics& metrics() const { return metrics_; }
  // CFF outlines (embedded as CIDFontType0, FontFile3 /CIDFontType0C) rather than glyf.
  bool isCff() const { return cff_; }
  bool isScriptFace() const { return script_; }
  // For hb_shape: immutable, scaled to the face's units per em.
  hb_font_t* shapingFont() const { return font_; }
  unsigned unitsPerEm() const { return upem_; }

  // The font cut down to `glyphs` (and the components of composite glyphs), without hinting and
  // with only the tables a PDF CIDFontType2 reads. Throws InfraError when HarfBuzz cannot subset.
  SubsetFont subset(const std::vector<std::uint32_t>& glyphs) const;

 private:
  void readCoverage();
  void readMetrics();
  void finishConstruction();
  bool coversByCmap(char32_t cp) const;

  // The face subset() works on: the font as given for the first document, then (from the second
  // on) hb_subset_preprocess's copy, which makes each later subset fast but costs more than one
  // subset to build: a one-document process (`sendflow render`) never builds it.
  hb_face_t* subsetSource() const;

  hb_face_t* face_ = nullptr;  // the font as given
  hb_font_t* font_ = nullptr;
  unsigned upem_ = 0;
  bool script_ = false, cff_ = false;
  mutable std::atomic<hb_face_t*> preprocessed_{nullptr};
  mutable std::atomic<int> subsets_{0};
  mutable std::once_flag preprocessOnce_;
  std::vector<std::uint32_t> dropTables_;
  std::vector<std::int16_t> widths_;  // BMP code point → width; -1 = not shown
  std::vector<std::uint16_t> glyphs_;
  FontMetrics metrics_;
};

}  // namespace sendflow::engine::pdf
