// Fonts for tests of the PDF renderer: Debian's DejaVu Sans (fonts-dejavu-core) and Noto
// (fonts-noto-core, fonts-noto-cjk) for the script faces, or any bytes (and no script faces).
#pragma once

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

  // As web::FontFiles names them (Debian's directories), read whole instead of mapped.
  std::optional<engine::PdfFontFile> scriptFont(std::string_view family, bool bold) const override {
    if (inMemory_) return std::nullopt;
    const std::string weight = bold ? "Bold" : "Regular";
    if (family == "NotoSansCJK-SC")
      return read("/usr/share/fonts/opentype/noto/NotoSansCJK-" + weight + ".ttc", 2);
    auto f =
        read("/usr/share/fonts/truetype/noto/" + std::string(family) + "-" + weight + ".ttf", 0);
    if (!f && bold) return scriptFont(family, false);
    return f;
  }

 private:
  static std::optional<engine::PdfFontFile> read(const std::string& path, unsigned index) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                               std::istreambuf_iterator<char>());
    engine::PdfFontFile f;
    f.bytes = *bytes;
    f.owner = std::move(bytes);
    f.faceIndex = index;
    return f;
  }

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
