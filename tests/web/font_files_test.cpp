// web/app/font_files: the PDF renderer's fonts read from the configured files.
#include "app/font_files.h"

#include <catch2/catch.hpp>

#include "sendflow/engine/core/error.h"

using sendflow::web::FontFiles;
using sendflow::web::FontPaths;
namespace engine = sendflow::engine;

TEST_CASE("the PDF fonts come from the configured files, a missing one is named", "[web][pdf]") {
  const FontFiles dejaVu;  // the defaults: Debian's DejaVu Sans
  const engine::PdfRenderer renderer(dejaVu);
  engine::PdfDocument d;
  d.header.title = "Plan";
  d.header.pupilName = "Zoë";
  CHECK(renderer.render(d).pages == 1);

  const FontFiles missing(FontPaths{"/nonexistent/regular.ttf", "/nonexistent/bold.ttf"});
  CHECK_THROWS_WITH(missing.fontBytes(engine::PdfFontRole::kBold),
                    Catch::Contains("/nonexistent/bold.ttf"));
  CHECK_THROWS_AS(engine::PdfRenderer(missing), engine::InfraError);
}
