#include "cli/cli.h"

#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>

#include <iostream>
#include <map>

#include "app/app.h"
#include "app/serve.h"
#include "cli/cli_commands.h"
#include "cli/demo.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {
namespace {

constexpr const char* kUsage = R"(sendflow — statutory SEND plans for schools and academy trusts

usage: sendflow COMMAND [options]

  serve                          run the web server (port, home, … from sendflow.properties
                                 or SENDFLOW_* environment variables)
  migrate                        apply pending database migrations and print the schema version
  demo [--json]                  seed the demo trust (idempotent) and print the demo logins
  user add --email E --name N --role ROLE [--academy NAME|ID] [--password P]
                                 add a staff user (ROLE: senco, staff, head, governor,
                                 trust_admin); prompts for nothing: a password is generated
                                 and printed when none is given
  backup DEST                    copy the live database to DEST (consistent while serving)
  render --plan ID [--version N] --out FILE
                                 write a plan version as a PDF
  verify FILE.pdf                check a sealed PDF: the seal covers the whole file and the
                                 document is the plan version the database recorded
  audit verify                   recompute the audit hash chain; names the first broken event
  routes                         list every HTTP route: method, path, who (public or staff)
                                 and the access-policy action it performs (docs/security.md)
  mail test --to ADDRESS         send a test message through the configured SMTP server
  mail status                    count the outbox by state and list recent failures
  mail drain                     send what is due now (what `serve` does in the background)
  reminders run [--now DATE] [--dry-run] [--no-send]
                                 queue the review reminders due up to DATE (default today);
                                 --dry-run lists them without queueing anything
  version                        print the version
)";

}  // namespace

// Logs go to stderr, or to the file named by log.file (SENDFLOW_LOG_FILE).
void configureLogging(const Poco::Util::AbstractConfiguration& config) {
  Poco::AutoPtr<Poco::PatternFormatter> pattern(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %t"));
  pattern->setProperty("times", "UTC");
  std::string file = config.getString("log.file", "");
  Poco::AutoPtr<Poco::Channel> sink;
  if (file.empty()) {
    sink = new Poco::ConsoleChannel;
  } else {
    sink = new Poco::FileChannel(file);
  }
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(pattern, sink));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::get("sendflow").setChannel(channel);
}

namespace {

int userAdd(const std::map<std::string, std::string>& opt) {
  CliContext ctx;
  auto app = ctx.open();
  auto get = [&](const char* k) {
    auto it = opt.find(k);
    return it == opt.end() ? std::string() : it->second;
  };
  auto role = engine::parseRole(get("role"));
  if (!role) {
    std::cerr << "error: --role must be one of senco, staff, head, governor, trust_admin\n";
    return 2;
  }
  engine::Id academyId = 0;
  if (!engine::isTrustWideRole(*role)) {
    std::string a = get("academy");
    for (const auto& ac : app->people.academies())
      if (ac.name == a || std::to_string(ac.id) == a) academyId = ac.id;
    if (academyId == 0) {
      std::cerr << "error: --academy must name an existing academy (by name or id)\n";
      return 2;
    }
  }
  engine::UserInput in{get("email"), get("name"), get("password"), {{academyId, *role}}, true};
  bool generated = in.password.empty();
  if (generated) in.password = engine::base64Url(app->random.bytes(15));
  auto errs = engine::PeopleService::validateUser(in, true);
  if (app->people.userByEmail(in.email))
    errs.push_back({"email", "a user with this email already exists"});
  if (!errs.empty()) {
    for (const auto& e : errs) std::cerr << "error: --" << e.field << ": " << e.message << "\n";
    return 2;
  }
  engine::User u{0,    in.email,      in.name, engine::hashPassword(in.password, app->random),
                 true, in.memberships};
  auto id = app->people.createUser(u, {"user.create", "system:cli", "user", 0, academyId, "{}"});
  std::cout << "added user " << id << " <" << in.email << "> as " << engine::roleName(*role)
            << "\n";
  if (generated) std::cout << "password: " << in.password << "\n";
  return 0;
}

// One line per route: "GET /plans/{id} staff view_plan" ("-" for no action).
int listRoutes() {
  CliContext ctx;
  auto app = ctx.open(true);
  for (const auto& route : app->router.routes()) {
    const char* access = route.access == Access::kPublic       ? "public"
                         : route.access == Access::kPublicCsrf ? "public_csrf"
                                                               : "staff";
    std::cout << route.method << " " << route.pattern << " " << access << " "
              << (route.action ? engine::accessActionName(*route.action) : "-") << "\n";
  }
  return 0;
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& cmd = args[0];
  std::vector<std::string> positional;
  if (cmd == "serve") return serve(std::vector<std::string>(args.begin() + 1, args.end()));
  if (cmd == "version" || cmd == "--version") {
    std::cout << "sendflow " << SENDFLOW_VERSION << "\n";
    return 0;
  }
  if (cmd == "migrate") {
    CliContext ctx;
    auto app = ctx.open();
    std::cout << "database " << app->settings.databasePath << " is at schema version "
              << app->store.schemaVersion() << "\n";
    return 0;
  }
  if (cmd == "demo") {
    auto opt = commandOptions(args, 1, positional);
    CliContext ctx;
    engine::FixedClock clock(ctx.clock.now());
    App app(readSettings(*ctx.config), clock, ctx.log, false);
    return runDemo(app, clock, opt.count("json") > 0, std::cout);
  }
  if (cmd == "routes" && args.size() == 1) return listRoutes();
  if (cmd == "user" && args.size() >= 2 && args[1] == "add")
    return userAdd(commandOptions(args, 2, positional));
  if (cmd == "backup") {
    commandOptions(args, 1, positional);
    if (positional.size() != 1) {
      std::cerr << "usage: sendflow backup DEST\n";
      return 2;
    }
    CliContext ctx;
    auto app = ctx.open();
    app->store.backup(positional[0]);
    std::cout << "backed up " << app->settings.databasePath << " to " << positional[0] << "\n";
    return 0;
  }
  for (auto* family : {runDocumentCommands, runMailCommands, runAuditCommands})
    if (auto code = family(args)) return *code;
  std::cerr << "sendflow: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}

}  // namespace

// --name value pairs after the command words.
std::map<std::string, std::string> commandOptions(const std::vector<std::string>& args, size_t from,
                                                  std::vector<std::string>& positional) {
  std::map<std::string, std::string> out;
  for (size_t i = from; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        out[a.substr(2, eq - 2)] = a.substr(eq + 1);
      } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        out[a.substr(2)] = args[++i];
      } else {
        out[a.substr(2)] = "";
      }
    } else {
      positional.push_back(a);
    }
  }
  return out;
}

int runCommand(const std::vector<std::string>& args) {
  try {
    configureLogging(*loadConfiguration());
    return dispatch(args);
  } catch (const std::exception& e) {
    std::cerr << "sendflow: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace sendflow::web
