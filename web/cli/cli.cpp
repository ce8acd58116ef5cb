#include "cli/cli.h"

#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/PatternFormatter.h>

#include <algorithm>
#include <iostream>

#include "app/app.h"
#include "app/json_log.h"
#include "app/serve.h"
#include "cli/cli_commands.h"
#include "cli/command_line.h"
#include "cli/demo.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {

namespace {

// The log file as a channel that never throws: Poco's FileChannel throws on every line it cannot
// write (a full disk), and a log line is not worth a request, the event loop or the process (a
// worker whose error handler threw would end the server). Lines it cannot write are lost.
class FileChannelThatNeverThrows : public Poco::Channel {
 public:
  explicit FileChannelThatNeverThrows(const std::string& path)
      : file_(new Poco::FileChannel(path)) {}
  void open() override { file_->open(); }
  void close() override { file_->close(); }
  void log(const Poco::Message& msg) override {
    try {
      file_->log(msg);
    } catch (const Poco::Exception&) {
    } catch (const std::exception&) {
    }
  }

 private:
  Poco::AutoPtr<Poco::FileChannel> file_;
};

}  // namespace

// Logs go to stderr, or to the file named by log.file (SENDFLOW_LOG_FILE); as text lines, or as
// JSON objects with log.format=json.
void configureLogging(const Poco::Util::AbstractConfiguration& config) {
  const std::string format = config.getString("log.format", "text");
  Poco::AutoPtr<Poco::Formatter> pattern;
  if (format == "json") {
    pattern = new JsonLogFormatter;
  } else if (format == "text") {
    pattern = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %t");
    pattern->setProperty("times", "UTC");
  } else {
    throw std::runtime_error("log.format must be text or json");
  }
  std::string file = config.getString("log.file", "");
  Poco::AutoPtr<Poco::Channel> sink;
  if (file.empty()) {
    sink = new Poco::ConsoleChannel;
  } else {
    sink = new FileChannelThatNeverThrows(file);
  }
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(pattern, sink));
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::get("sendflow").setChannel(channel);
}

namespace {

int userAdd(const CommandArgs& args) {
  CliContext ctx(HomeUse::kMayCreate);
  auto& app = ctx.openApp();
  auto get = [&](const char* name) { return args.value(name); };
  auto role = engine::parseRole(get("role"));
  if (!role) {
    std::cerr << "error: --role must be one of senco, staff, head, governor, trust_admin\n";
    return 2;
  }
  engine::Id academyId = 0;
  if (!engine::isTrustWideRole(*role)) {
    std::string a = get("academy");
    for (const auto& ac : app.peopleRepository().academies())
      if (ac.name == a || std::to_string(ac.id) == a) academyId = ac.id;
    if (academyId == 0) {
      std::cerr << "error: --academy must name an existing academy (by name or id)\n";
      return 2;
    }
  }
  engine::UserInput in{get("email"), get("name"), get("password"), {{academyId, *role}}, true};
  bool generated = in.password.empty();
  if (generated) in.password = engine::base64Url(app.random().bytes(15));
  auto errs = engine::PeopleService::validateUser(in, true);
  if (app.peopleRepository().userByEmail(in.email))
    errs.push_back({"email", "a user with this email already exists"});
  if (!errs.empty()) {
    for (const auto& e : errs) std::cerr << "error: --" << e.field << ": " << e.message << "\n";
    return 2;
  }
  engine::User u{0,    in.email,      in.name, engine::hashPassword(in.password, app.random()),
                 true, in.memberships};
  auto id = app.peopleRepository().createUser(
      u, {"user.create", "system:cli", "user", 0, academyId, "{}"});
  std::cout << "added user " << id << " <" << in.email << "> as " << engine::roleName(*role)
            << "\n";
  if (generated) std::cout << "password: " << in.password << "\n";
  return 0;
}

// One line per route: "GET /plans/{id} staff view_plan" ("-" for no action).
int listRoutes(const CommandArgs&) {
  CliContext ctx(HomeUse::kMayCreate);
  auto& app = ctx.open(true);
  for (const auto& route : app.router().routes()) {
    const char* access = route.access == Access::kPublic       ? "public"
                         : route.access == Access::kPublicCsrf ? "public_csrf"
                                                               : "staff";
    std::cout << route.method << " " << route.pattern << " " << access << " "
              << (route.action ? engine::accessActionName(*route.action) : "-") << "\n";
  }
  return 0;
}

int migrate(const CommandArgs&) {
  CliContext ctx(HomeUse::kMayCreate);
  auto& app = ctx.openApp();
  std::cout << "database " << app.settings().databasePath << " is at schema version "
            << app.schemaVersion() << "\n";
  return 0;
}

int demo(const CommandArgs& args) {
  CliContext ctx(HomeUse::kMayCreate);
  engine::FixedClock clock(ctx.clock.now());
  App& app = ctx.openApp(clock);
  return runDemo(app, clock, args.has("json"), std::cout);
}

int version(const CommandArgs&) {
  std::cout << "sendflow " << SENDFLOW_VERSION << "\n";
  return 0;
}

Command userAddCommand() {
  Command c{{"user", "add"},
            "",
            0,
            0,
            "Add a staff user (ROLE: senco, staff, head, governor, trust_admin). Prompts for "
            "nothing: a password is generated and printed when none is given.",
            {},
            userAdd};
  c.options.addOption(valueOption("email", "E", "the user's email address, their login", true));
  c.options.addOption(valueOption("name", "N", "the user's full name", true));
  c.options.addOption(
      valueOption("role", "ROLE", "senco, staff, head, governor or trust_admin", true));
  c.options.addOption(
      valueOption("academy", "NAME|ID", "the academy (by name or number); not for trust_admin"));
  c.options.addOption(valueOption("password", "P", "the password (default: generated)"));
  return c;
}

// Every command, in the order `sendflow help` lists them; each understands --help.
std::vector<Command> commandTable() {
  std::vector<Command> commands;
  commands.push_back({{"serve"},
                      "",
                      0,
                      0,
                      "Run the web server (port, home, … from sendflow.properties or SENDFLOW_* "
                      "environment variables).",
                      {},
                      [](const CommandArgs&) { return serve(); }});
  commands.push_back({{"migrate"},
                      "",
                      0,
                      0,
                      "Apply pending database migrations and print the schema version.",
                      {},
                      migrate});
  Command demoCommand{
      {"demo"}, "", 0, 0, "Seed the demo trust (idempotent) and print the demo logins.", {}, demo};
  demoCommand.options.addOption(flagOption("json", "print the logins, pupils and plans as JSON"));
  commands.push_back(std::move(demoCommand));
  commands.push_back(userAddCommand());
  addDataCommands(commands);
  addDocumentCommands(commands);
  addAuditCommands(commands);
  addRecordsCommands(commands);
  commands.push_back({{"routes"},
                      "",
                      0,
                      0,
                      "List every HTTP route: method, path, who (public or staff) and the "
                      "access-policy action it performs (docs/security.md).",
                      {},
                      listRoutes});
  addMailCommands(commands);
  commands.push_back({{"version"}, "", 0, 0, "Print the version.", {}, version});
  for (auto& c : commands)
    c.options.addOption(Poco::Util::Option("help", "h", "print this help").noArgument());
  return commands;
}

// The command whose words start args (the longest match), or nullptr.
const Command* findCommand(const std::vector<Command>& commands,
                           const std::vector<std::string>& args) {
  const Command* found = nullptr;
  for (const auto& c : commands) {
    if (c.words.size() > args.size() || !std::equal(c.words.begin(), c.words.end(), args.begin()))
      continue;
    if (found == nullptr || c.words.size() > found->words.size()) found = &c;
  }
  return found;
}

// No command matches: name what does, or list them all. Exit code 2.
int unknownCommand(const std::vector<Command>& commands, const std::vector<std::string>& words) {
  std::string subcommands;
  for (const auto& c : commands)
    if (c.words.size() > 1 && c.words[0] == words[0]) subcommands += " " + c.words[1];
  if (!subcommands.empty()) {
    std::cerr << "sendflow " << words[0] << ": "
              << (words.size() > 1 ? "unknown subcommand '" + words[1] + "'" : "needs a subcommand")
              << "; one of:" << subcommands << "\n";
    return 2;
  }
  std::cerr << "sendflow: unknown command '" << words[0] << "'\n\n";
  printOverview(commands, std::cerr);
  return 2;
}

int help(const std::vector<Command>& commands, const std::vector<std::string>& topic) {
  if (topic.empty()) {
    printOverview(commands, std::cout);
    return 0;
  }
  const Command* c = findCommand(commands, topic);
  if (c == nullptr || c->words.size() != topic.size()) return unknownCommand(commands, topic);
  printCommandHelp(*c, std::cout);
  return 0;
}

int dispatch(const std::vector<std::string>& args) {
  const auto commands = commandTable();
  if (args.empty()) {
    printOverview(commands, std::cerr);
    return 2;
  }
  if (args[0] == "help" || args[0] == "--help" || args[0] == "-h")
    return help(commands, {args.begin() + 1, args.end()});
  if (args[0] == "--version") return version({});
  const Command* command = findCommand(commands, args);
  if (command == nullptr) return unknownCommand(commands, args);
  CommandArgs parsed;
  try {
    parsed = parseCommandLine(
        *command, {args.begin() + static_cast<std::ptrdiff_t>(command->words.size()), args.end()});
  } catch (const UsageError& e) {
    std::cerr << "sendflow " << command->name() << ": " << e.what() << "\n"
              << "usage: sendflow " << command->name()
              << (command->usage().empty() ? "" : " " + command->usage()) << "\n"
              << "(`sendflow help " << command->name() << "` describes every option)\n";
    return 2;
  }
  if (parsed.has("help")) {
    printCommandHelp(*command, std::cout);
    return 0;
  }
  return command->run(parsed);
}

}  // namespace

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
