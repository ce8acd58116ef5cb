// What a CLI command opens at start-up (issue 15): only what it needs. `sendflow render` reads no
// mail templates, no page templates, no form or workflow folder and no seal key, while the server
// still refuses to start on a broken one; `reminders run --dry-run` prints each message as it is
// found and lists exactly what the real run then queues.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "support/server.h"
#include "support/temp_dir.h"

using namespace sendflow::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("sendflow render opens no mail or page templates and refuses an unknown plan clearly",
          "[web][cli][render]") {
  Server s;
  s.seedDemo();
  TempDir dir;
  // A web root with no templates at all: rendering a plan needs none of them.
  const std::string emptyWeb = dir.path() + "/web";
  fs::create_directories(emptyWeb);
  const std::string out = dir.path() + "/plan.pdf";
  s.env()["SENDFLOW_WEB_ROOT"] = emptyWeb;
  auto r = s.run({"render", "--plan", "1", "--out", out});
  INFO(r.out << r.err);
  CHECK(r.exitCode == 0);
  CHECK(contains(r.out, "wrote " + out));
  REQUIRE(fs::exists(out));
  CHECK(fs::file_size(out) > 1000);

  const std::string none = dir.path() + "/none.pdf";
  auto unknown = s.run({"render", "--plan", "999999", "--out", none});
  INFO(unknown.out << unknown.err);
  CHECK(unknown.exitCode == 1);
  CHECK(contains(unknown.err, "error: plan 999999: There is no such plan."));
  CHECK_FALSE(fs::exists(none));
}

TEST_CASE(
    "sendflow render reads no definition folder and no seal key while serve still refuses both",
    "[web][cli][render]") {
  Server s;
  s.seedDemo();
  TempDir dir;
  // Neither exists: a plan renders from its own pinned definitions, and rendering seals nothing.
  s.env()["SENDFLOW_FORMS_DIR"] = dir.path() + "/no-forms";
  s.env()["SENDFLOW_WORKFLOWS_DIR"] = dir.path() + "/no-workflows";
  s.env()["SENDFLOW_SEAL_CERTIFICATE"] = dir.path() + "/no-seal.crt";
  s.env()["SENDFLOW_SEAL_KEY"] = dir.path() + "/no-seal.key";
  const std::string out = dir.path() + "/plan.pdf";
  auto r = s.run({"render", "--plan", "1", "--out", out});
  INFO(r.out << r.err);
  CHECK(r.exitCode == 0);
  CHECK(contains(r.out, "wrote " + out));
  CHECK(fs::exists(out));

  // The server reads both at start, and a missing one stops it, named.
  auto serve = s.run({"serve"});
  INFO(serve.out << serve.err);
  CHECK(serve.exitCode != 0);
  CHECK(contains(serve.err, dir.path() + "/no-forms"));
  s.env()["SENDFLOW_FORMS_DIR"] = SENDFLOW_SOURCE_ROOT "/forms";
  s.env()["SENDFLOW_WORKFLOWS_DIR"] = SENDFLOW_SOURCE_ROOT "/workflows";
  auto noKey = s.run({"serve"});
  INFO(noKey.out << noKey.err);
  CHECK(noKey.exitCode != 0);
  CHECK(contains(noKey.err, "cannot read " + dir.path() + "/no-seal."));  // .crt or .key
}

TEST_CASE("reminders run --dry-run lists message by message what the real run then queues",
          "[web][cli][remind]") {
  Server s;
  s.seedDemo();
  auto dry = s.run({"reminders", "run", "--dry-run"});
  INFO(dry.out << dry.err);
  REQUIRE(dry.exitCode == 0);
  const auto listed = lines(dry.out);
  REQUIRE_FALSE(listed.empty());  // the demo trust has deadlines today
  for (const auto& l : listed)
    CHECK(std::count(l.begin(), l.end(), '\t') == 2);  // kind, to, subject
  const std::string count = std::to_string(listed.size()) + " message";
  CHECK(contains(dry.err, count));
  // A dry run writes nothing: a second one lists the same.
  CHECK(s.run({"reminders", "run", "--dry-run"}).out == dry.out);

  auto real = s.run({"reminders", "run", "--no-send"});
  INFO(real.out << real.err);
  REQUIRE(real.exitCode == 0);
  CHECK(contains(real.out, std::to_string(listed.size()) + " new message"));
  // Queued now, so a dry run lists them again (it does not read the outbox) and a real run adds
  // nothing.
  CHECK(s.run({"reminders", "run", "--dry-run"}).out == dry.out);
  CHECK(contains(s.run({"reminders", "run", "--no-send"}).out, "0 new messages queued"));
}
