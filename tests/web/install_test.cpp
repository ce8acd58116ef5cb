// `cmake --install` ships a sendflow that runs without the source tree.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/server.h"

namespace fs = std::filesystem;
using sendflow::testing::Server;
using sendflow::testing::TempDir;

TEST_CASE("an installed sendflow serves its installed data, not the checkout's", "[web][install]") {
  TempDir prefix;
  const std::string install = "cmake --install '" SENDFLOW_BUILD_DIR "' --prefix '" +
                              prefix.path() + "' > '" + prefix.file("install.log") + "' 2>&1";
  REQUIRE(std::system(install.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe)
  const fs::path share = fs::path(prefix.path()) / "share" / "sendflow";
  for (const char* part : {"forms/intimate_care/form.json", "workflows/peep.json",
                           "web/templates/layout_top.mustache", "web/static/app.css"})
    REQUIRE(fs::exists(share / part));

  // A mark only the installed copy has: the server must be reading the installed files.
  const std::string mark = "/* installed copy */";
  std::ofstream(share / "web" / "static" / "app.css", std::ios::app) << mark << "\n";

  Server server;
  server.setBinary(prefix.path() + "/bin/sendflow");
  auto demo = server.run({"demo", "--json"});
  REQUIRE(demo.exitCode == 0);  // the document types were found and loaded
  server.start();
  auto c = server.client();
  auto css = c.get("/static/app.css");
  REQUIRE(css.status == 200);
  REQUIRE(css.body.find(mark) != std::string::npos);
  REQUIRE(c.get("/login").status == 200);  // templates too
}
