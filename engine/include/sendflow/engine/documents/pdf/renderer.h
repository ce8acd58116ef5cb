// The PDF renderer (libharu): lays a PdfDocument out on A4 pages and embeds, per document, a
// subset of its fonts (HarfBuzz hb-subset) holding only the glyphs that document draws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sendflow/engine/documents/pdf/model.h"

namespace sendflow::engine {

enum class PdfFontRole { kRegular, kBold };

// A font file for one script (Noto from Debian): its bytes, kept alive by `owner` (a mapped file,
// so only the pages a document touches are read), and the face index inside a collection (.ttc).
struct PdfFontFile {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
  unsigned faceIndex = 0;
};

// Port: where the renderer's fonts come from (the engine reads no file). Implemented in web/app
// over the configured font files (DejaVu Sans by default); tests may hand over any bytes.
class PdfFontSource {
 public:
  virtual ~PdfFontSource() = default;
  // The complete TrueType (glyf) file for `role`. Throws InfraError when it cannot be read.
  virtual std::string fontBytes(PdfFontRole role) const = 0;
  // The face of a Noto family ("NotoSansBengali", "NotoNastaliqUrdu", "NotoSansCJK-SC", …; see
  // docs/pdf.md) for scripts the regular/bold faces do not draw: bold when asked and installed,
  // else regular; nullopt when the family is not installed. Called lazily, at most once per
  // family and weight per renderer, the first time a document uses that script. Throws
  // InfraError when a file exists but cannot be read.
  virtual std::optional<PdfFontFile> scriptFont(std::string_view family, bool bold) const {
    (void)family;
    (void)bold;
    return std::nullopt;
  }
};

// True for code points the regular/bold faces (DejaVu) draw if they have a glyph: Latin, Greek,
// Cyrillic and common punctuation and symbols. Everything else (Arabic-script, Hebrew, Indic,
// Ethiopic, Thai, CJK, …) is shaped with a script face (PdfFontSource::scriptFont); what no
// installed face covers (emoji by default) becomes a visible placeholder naming the script.
bool isRenderableCodePoint(char32_t cp);

// Thread-safe: render() is const and may run on many threads at once.
class PdfRenderer {
 public:
  // Reads and parses the regular and bold fonts once; throws InfraError when a font cannot be
  // read or is not a TrueType font with a Unicode cmap and the glyphs the layout itself needs.
  // Script faces are asked of `fonts` when a document first needs them: `fonts` must outlive the
  // renderer (or use the shared_ptr form).
  explicit PdfRenderer(const PdfFontSource& fonts);
  explicit PdfRenderer(std::shared_ptr<const PdfFontSource> fonts);
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
