// The PDF renderer's fonts, read from the configured files (engine::PdfFontSource).
#pragma once

#include <string>

#include "sendflow/engine/documents/pdf/renderer.h"

namespace sendflow::web {

// Debian's fonts-dejavu-core, unless pdf.font_regular / pdf.font_bold say otherwise.
inline constexpr const char* kDefaultRegularFont =
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
inline constexpr const char* kDefaultBoldFont =
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
// Debian's fonts-noto-core (TrueType, one file per family and weight) and fonts-noto-cjk (OpenType
// collections), unless pdf.noto_dir / pdf.noto_cjk_dir say otherwise.
inline constexpr const char* kDefaultNotoDir = "/usr/share/fonts/truetype/noto";
inline constexpr const char* kDefaultNotoCjkDir = "/usr/share/fonts/opentype/noto";

struct FontPaths {
  std::string regular = kDefaultRegularFont;
  std::string bold = kDefaultBoldFont;
  std::string notoDir = kDefaultNotoDir;
  std::string notoCjkDir = kDefaultNotoCjkDir;
};

class FontFiles final : public engine::PdfFontSource {
 public:
  explicit FontFiles(FontPaths paths = {}) : paths_(std::move(paths)) {}
  // Throws engine::InfraError naming the file when it cannot be read.
  std::string fontBytes(engine::PdfFontRole role) const override;
  // `<notoDir>/<family>-Bold.ttf` or `-Regular.ttf`; "NotoSansCJK-SC" (also -TC, -JP, -KR, -HK)
  // is a face of `<notoCjkDir>/NotoSansCJK-Regular.ttc` (or -Bold). The file is mapped read-only,
  // not read: the pages a document's glyphs need are all that is loaded.
  std::optional<engine::PdfFontFile> scriptFont(std::string_view family, bool bold) const override;

 private:
  FontPaths paths_;
};

}  // namespace sendflow::web
