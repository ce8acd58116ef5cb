// web/app/atomic_file: whole files or nothing.
#include "app/atomic_file.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sendflow/engine/core/error.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

TEST_CASE("writeFileAtomically replaces the file whole and leaves no temporary behind",
          "[web][files]") {
  sendflow::testing::TempDir dir;
  const std::string target = dir.file("plan.pdf");
  sendflow::web::writeFileAtomically(target, "first");
  sendflow::web::writeFileAtomically(target, "second version");
  std::ifstream in(target, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  CHECK(got == "second version");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
  CHECK_THROWS_AS(sendflow::web::writeFileAtomically(dir.file("missing/x.pdf"), "x"),
                  sendflow::engine::InfraError);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}
