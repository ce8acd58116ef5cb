// Fonts for tests of the PDF renderer: Debian's DejaVu Sans (fonts-dejavu-core), or any bytes.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/documents/pdf/renderer.h"

namespace sendflow::testing {

// The same bytes for both roles, or DejaVu's files when constructed without arguments.
class TestFonts final : public engine::PdfFontSource {
 public:
  TestFonts() = default;
  TestFonts(std::string regular, std::string bold)
      : regular_(std::move(regular)), bold_(std::move(bold)), inMemory_(true) {}

  std::string fontBytes(engine::PdfFontRole role) const override {
    const bool bold = role == engine::PdfFontRole::kBold;
    if (inMemory_) return bold ? bold_ : regular_;
    const std::string path = std::string("/usr/share/fonts/truetype/dejavu/") +
                             (bold ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw engine::InfraError("cannot read font " + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string regular_, bold_;
  bool inMemory_ = false;
};

// One renderer per test process (font parsing once).
inline const engine::PdfRenderer& testRenderer() {
  static const TestFonts fonts;
  static const engine::PdfRenderer renderer(fonts);
  return renderer;
}

}  // namespace sendflow::testing
