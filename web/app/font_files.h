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

struct FontPaths {
  std::string regular = kDefaultRegularFont;
  std::string bold = kDefaultBoldFont;
};

class FontFiles final : public engine::PdfFontSource {
 public:
  explicit FontFiles(FontPaths paths = {}) : paths_(std::move(paths)) {}
  // Throws engine::InfraError naming the file when it cannot be read.
  std::string fontBytes(engine::PdfFontRole role) const override;

 private:
  FontPaths paths_;
};

}  // namespace sendflow::web
