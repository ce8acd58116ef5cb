// Text as glyphs: each line itemized into runs (FriBidi embedding levels, HarfBuzz's script of
// each character with Common/Inherited ones joining their neighbours, the face drawing it),
// the runs put in visual order (UBA rule L2), and each run of a script face shaped with HarfBuzz.
// Latin/Greek/Cyrillic and common punctuation stay with the regular/bold faces (DejaVu), drawn
// one code point per character with their advances as before; a line with nothing else is a
// single such run, exactly as the renderer drew it before shaping (same bytes).
//
// Which face draws a script (scripts.h: kScripts, docs/pdf.md): Noto from Debian, loaded the
// first time a document uses the script (PdfFontSource::scriptFont), bold where Noto has a bold
// face. Arabic script is
// drawn with Noto Nastaliq Urdu when a run holds a letter only Urdu-family orthographies use
// (ٹ ڈ ڑ ں ھ ہ ۂ ۃ ے ۓ: Urdu, Shahmukhi Punjabi, Saraiki…), with Noto Naskh Arabic otherwise
// (Arabic, Pashto, Persian, Sorani…). Chinese, Japanese and Korean use Noto Sans CJK SC.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "font_face.h"
#include "scripts.h"
#include "sendflow/engine/documents/pdf/renderer.h"

namespace sendflow::engine::pdf {

struct PlacedGlyph {
  std::uint32_t glyph = 0;            // in the run's face
  float advance = 0, dx = 0, dy = 0;  // 1/1000 em of the run's size
  std::uint32_t cluster = 0;          // index of its first character in the line
  // The characters of its cluster for the first glyph of each cluster, empty for the others:
  // the ToUnicode text of this glyph's character code.
  std::u32string text;
};

// Text drawn invisibly (rendering mode 3) over a cluster of a Nastaliq run: Nastaliq's glyphs
// step down the line, and text extraction (pdftotext) would read them as letters spaced apart;
// the carriers sit on the baseline, one per cluster, as wide as the cluster.
struct Carrier {
  float x = 0, width = 0;  // from the run's start, 1/1000 em of the run's size
  std::u32string text;     // the cluster's characters
};

struct TextRun {
  const FontFace* face = nullptr;   // a script face; nullptr: the regular/bold face
  std::u32string codePoints;        // regular/bold runs: code points in visual order
  std::vector<PlacedGlyph> glyphs;  // script runs: glyphs in visual order
  std::vector<Carrier> carriers;    // Nastaliq runs: the text (the glyphs then have none)
  float scale = 1;                  // run size / line size (Nastaliq is drawn smaller: tall)
  bool rtl = false;                 // drawn right to left (glyphs still listed left to right)
  float width = 0;                  // 1/1000 em of the line's size
  std::uint32_t from = 0, to = 0;   // the characters of the line it draws (logical)
};

// The bidi of a line wrapped from a paragraph (line_break.h): the embedding levels FriBidi
// resolved over the whole paragraph for the line's characters, and the paragraph's direction
// (its first strong character, UBA P2/P3). A continuation line of a right-to-left paragraph
// starting with a Latin word or a number stays right-to-left.
struct ParagraphBidi {
  std::vector<std::uint8_t> levels;  // one per character of the line; empty: none resolved
  bool rtl = false;
};

// A line of wrapped text and its paragraph's bidi (levels empty for a line of plain text, or a
// text that is its own paragraph).
struct TextLine {
  TextLine() = default;
  TextLine(std::string t) : text(std::move(t)) {}  // NOLINT(google-explicit-constructor)
  TextLine(const char* t) : text(t) {}             // NOLINT(google-explicit-constructor)
  std::string text;
  ParagraphBidi bidi;
};

struct ShapedText {
  std::vector<TextRun> runs;  // visual order, left to right
  bool rtl = false;           // the paragraph direction (first strong character) is right-to-left
  float width = 0;            // 1/1000 em
  // Anything but one left-to-right run of the regular/bold face.
  bool complex() const { return rtl || runs.size() != 1 || runs[0].face != nullptr; }
};

// The renderer's faces: regular and bold (read at construction) and the script faces (loaded on
// first use). Thread-safe.
class FontSet {
 public:
  // `source` must outlive the FontSet when script faces are wanted (nullptr: none).
  FontSet(std::string regularTtf, std::string boldTtf, const PdfFontSource* source);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  const FontFace regular, bold;
  const FontFace& of(bool isBold) const { return isBold ? bold : regular; }

  // The regular and bold faces both draw cp (a word never changes between weights).
  bool plainShown(char32_t cp) const { return regular.covers(cp) && bold.covers(cp); }
  // Some face draws cp: plainShown, or the script face for cp's script covers it.
  bool shown(char32_t cp) const;

  // The line shaped with the regular or bold faces and the script faces. With `paragraph` (a
  // line wrapped from a paragraph), its levels and direction are the paragraph's; without, the
  // line is its own paragraph.
  ShapedText shape(std::u32string_view line, bool isBold,
                   const ParagraphBidi* paragraph = nullptr) const;
  // Whether shape() would give a single plain left-to-right run (no script face, no RTL).
  bool plain(std::u32string_view text) const;

  // The script face, loaded on first use; nullptr when not installed.
  const FontFace* face(ScriptFamily f, bool isBold) const;

 private:
  const PdfFontSource* source_;
  struct Slot {
    std::once_flag once;
    std::unique_ptr<FontFace> face;
    std::atomic<const FontFace*> ready{nullptr};
  };
  mutable std::array<Slot, 2 * kScriptCount> slots_;
};

}  // namespace sendflow::engine::pdf
