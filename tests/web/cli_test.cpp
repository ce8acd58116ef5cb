// The command line: options parsed by Poco's OptionProcessor from each command's OptionSet,
// strictly (unknown, abbreviated, repeated or value-less options and non-numbers are refused
// with exit code 2 before anything is opened), and help generated from the same OptionSets.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/server.h"
#include "support/temp_dir.h"

using namespace sendflow::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Refusal {
  std::vector<std::string> args;
  std::string says;   // in stderr
  std::string usage;  // the command's usage line, in stderr ("" when none is printed)
};

}  // namespace

TEST_CASE("the CLI refuses bad options with exit code 2, a clear message, and does nothing",
          "[web][cli]") {
  TempDir home;
  const std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()}};
  const std::string out = home.file("plan.pdf");
  const std::string renderUsage = "usage: sendflow render --plan ID [--version N] --out FILE";
  const std::string userUsage =
      "usage: sendflow user add --email E --name N --role ROLE [--academy NAME|ID] [--password P]";
  const std::vector<Refusal> refusals{
      {{"render", "--plan", "3abc", "--out", out}, "--plan must be a whole number", renderUsage},
      {{"render", "--plan", "0", "--out", out},
       "--plan must be a whole number from 1",
       renderUsage},
      {{"render", "--plan", " 3", "--out", out}, "--plan must be a whole number", renderUsage},
      {{"render", "--plan", "3", "--version", "2x", "--out", out},
       "--version must be a whole number",
       renderUsage},
      {{"render", "--plan", "3", "--plan", "4", "--out", out},
       "--plan is given more than once",
       renderUsage},
      {{"render", "--pl", "3", "--out", out}, "unknown option --pl", renderUsage},
      {{"render", "--PLAN", "3", "--out", out}, "unknown option --PLAN", renderUsage},
      {{"render", "--plan", "--out", out}, "--plan needs a value", renderUsage},
      {{"render", "--plan", "3", "--out"}, "--out needs a value", renderUsage},
      {{"render", "--plan=3", "--out="}, "--out needs a value", renderUsage},
      {{"render", "--out", out}, "--plan is required", renderUsage},
      {{"render", "--plan", "3", "--out", out, "extra"}, "unexpected 'extra'", renderUsage},
      {{"demo", "--jsn"}, "unknown option --jsn", "usage: sendflow demo [--json]"},
      {{"demo", "--json=yes"}, "--json takes no value", "usage: sendflow demo [--json]"},
      {{"migrate", "--force"}, "unknown option --force", "usage: sendflow migrate"},
      {{"user", "add", "--name", "A", "--role", "staff"}, "--email is required", userUsage},
      {{"user", "add", "--email", "a@b.example", "--name", "A", "--role", "staff", "--role",
        "head"},
       "--role is given more than once",
       userUsage},
      {{"user", "add", "--email", "a@b.example", "--name", "A\x1b[2J", "--role", "trust_admin"},
       "--name contains a control character",
       userUsage},
      {{"mail", "test"}, "--to is required", "usage: sendflow mail test --to ADDRESS"},
      {{"mail", "status", "now"}, "unexpected 'now'", "usage: sendflow mail status"},
      {{"reminders", "run", "--dry-run", "--dry-run"},
       "--dry-run is given more than once",
       "usage: sendflow reminders run [--now DATE] [--dry-run] [--no-send]"},
      {{"backup"}, "missing DEST", "usage: sendflow backup DEST"},
      {{"backup", "a.db", "b.db"}, "unexpected 'b.db'", "usage: sendflow backup DEST"},
      {{"verify"}, "missing FILE.pdf", "usage: sendflow verify FILE.pdf"},
      {{"audit", "verify", "--all"},
       "unknown option --all",
       "usage: sendflow audit verify [--anchor ID:HASH]"},
      {{"mail"}, "sendflow mail: needs a subcommand; one of: test status drain", ""},
      {{"mail", "send"}, "unknown subcommand 'send'", ""},
      {{"nonsense"}, "unknown command 'nonsense'", ""},
  };
  for (const auto& r : refusals) {
    std::string line;
    for (const auto& a : r.args) line += " " + a;
    INFO("sendflow" << line);
    auto result = runSendflow(r.args, env);
    INFO(result.err);
    CHECK(result.exitCode == 2);
    CHECK(contains(result.err, r.says));
    if (!r.usage.empty()) CHECK(contains(result.err, r.usage + "\n"));
    CHECK(result.out.empty());
  }
  // Refused before anything was opened or written: no database, no PDF.
  CHECK_FALSE(fs::exists(home.file("sendflow.db")));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("sendflow help and COMMAND --help are generated from the options", "[web][cli]") {
  TempDir home;
  const std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()}};
  auto overview = runSendflow({"help"}, env);
  CHECK(overview.exitCode == 0);
  for (const char* usage :
       {"  serve\n",
        "  user add --email E --name N --role ROLE [--academy NAME|ID] [--password P]\n",
        "  render --plan ID [--version N] --out FILE\n", "  backup DEST\n",
        "  reminders run [--now DATE] [--dry-run] [--no-send]\n", "  mail test --to ADDRESS\n"})
    CHECK(contains(overview.out, usage));
  CHECK(runSendflow({"--help"}, env).out == overview.out);

  auto render = runSendflow({"render", "--help"}, env);
  CHECK(render.exitCode == 0);
  CHECK(contains(render.out, "usage: sendflow render --plan ID [--version N] --out FILE"));
  CHECK(contains(render.out, "--plan=ID"));
  CHECK(contains(render.out, "the version (default: the newest)"));
  CHECK(runSendflow({"help", "render"}, env).out == render.out);
  auto mailTest = runSendflow({"help", "mail", "test"}, env);
  CHECK(mailTest.exitCode == 0);
  CHECK(contains(mailTest.out, "--to=ADDRESS"));
  CHECK(runSendflow({"help", "nosuch"}, env).exitCode == 2);
  CHECK(runSendflow({}, env).exitCode == 2);
  CHECK_FALSE(fs::exists(home.file("sendflow.db")));
}

TEST_CASE("options take their value after = or as the next word", "[web][cli]") {
  TempDir home;
  const std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()}};
  auto added = runSendflow({"user", "add", "--email=ops@trust.example", "--name", "Ops Team",
                            "--role=trust_admin", "--password", "a long enough passphrase"},
                           env);
  INFO(added.err);
  CHECK(added.exitCode == 0);
  CHECK(contains(added.out, "<ops@trust.example> as trust_admin"));
  CHECK_FALSE(contains(added.out, "password: "));  // given, so not generated
  auto version = runSendflow({"version"}, env);
  CHECK(version.exitCode == 0);
  CHECK(contains(version.out, "sendflow "));
}

TEST_CASE("commands that work on data never create a home: they name the one they looked in",
          "[web][cli]") {
  TempDir dir;
  const std::string nowhere = dir.path() + "/no-trust-here";
  Server s({{"SENDFLOW_HOME", nowhere}});
  const std::string pdf = dir.path() + "/plan.pdf";
  std::ofstream(pdf) << "%PDF-1.7\n";
  const std::vector<std::vector<std::string>> commands = {
      {"verify", pdf},
      {"audit", "verify"},
      {"check"},
      {"mail", "status"},
      {"mail", "drain"},
      {"backup", dir.path() + "/copy.db"},
      {"render", "--plan", "1", "--out", dir.path() + "/out.pdf"},
      {"export", "--pupil", "1"},
      {"reminders", "run", "--dry-run"}};
  for (const auto& args : commands) {
    auto r = s.run(args);
    INFO(args.front() << " " << (args.size() > 1 ? args[1] : "") << ": " << r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(contains(r.err, "there is no sendflow data in " + fs::path(nowhere).string() +
                              " (no database " + nowhere + "/sendflow.db); nothing was created"));
    CHECK_FALSE(fs::exists(nowhere));
  }
  // Starting a trust is what migrate and demo are for; then the same command reads it and says
  // where it looked.
  REQUIRE(s.run({"migrate"}).exitCode == 0);
  auto r = s.run({"verify", pdf});
  CHECK(r.exitCode == 1);
  CHECK(contains(r.out, "NOT VALID"));
  CHECK(contains(r.out, "(checked against the records in " + nowhere + ")"));
}
