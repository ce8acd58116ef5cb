// The PDF renderer (libharu): lays a PdfDocument out on A4 pages and embeds, per document, a
// subset of its fonts (HarfBuzz hb-subset) holding only the glyphs that document draws.
#pragma once

#include <memory>
#include <string>

#include "sendflow/engine/documents/pdf/model.h"

namespace sendflow::engine {

enum class PdfFontRole { kRegular, kBold };

// Port: where the renderer's fonts come from (the engine reads no file). Implemented in web/app
// over the configured font files (DejaVu Sans by default); tests may hand over any bytes.
class PdfFontSource {
 public:
  virtual ~PdfFontSource() = default;
  // The complete TrueType (glyf) file for `role`. Throws InfraError when it cannot be read.
  virtual std::string fontBytes(PdfFontRole role) const = 0;
};

// True for code points the renderer draws if the font has a glyph: scripts that need no shaping
// and no bidi. Arabic-script, Hebrew, Indic, Thai, CJK, emoji… are false, and become a visible
// placeholder naming the script (until shaping arrives, issue 16).
bool isRenderableCodePoint(char32_t cp);

// Thread-safe: render() is const and may run on many threads at once.
class PdfRenderer {
 public:
  // Reads and parses the fonts once; throws InfraError when a font cannot be read or is not a
  // TrueType font with a Unicode cmap and the glyphs the layout itself needs.
  explicit PdfRenderer(const PdfFontSource& fonts);
  ~PdfRenderer();
  PdfRenderer(const PdfRenderer&) = delete;
  PdfRenderer& operator=(const PdfRenderer&) = delete;

  // Same input → same bytes. Throws InfraError on a libharu or HarfBuzz failure (after the C
  // call returned).
  RenderedPdf render(const PdfDocument& document) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sendflow::engine
