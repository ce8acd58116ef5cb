// `sendflow mail test --to ADDR`, `sendflow mail drain`, `sendflow mail status`,
// `sendflow reminders run [--now YYYY-MM-DD] [--dry-run] [--no-send]`.
#include <iostream>

#include "cli/cli_commands.h"
#include "mail/mail.h"
#include "sendflow/engine/core/email_address.h"

namespace sendflow::web {
namespace {

int mailTest(const std::map<std::string, std::string>& opt) {
  if (!opt.count("to")) {
    std::cerr << "usage: sendflow mail test --to ADDRESS\n";
    return 2;
  }
  auto to = engine::parseEmailAddress(opt.at("to"));
  if (!to) {
    std::cerr << "sendflow mail test: --to is not an email address sendflow can send to: "
              << to.error().message << ". Nothing was sent.\n";
    return 2;
  }
  CliContext ctx;
  auto app = ctx.open();
  const auto& s = app->mail->settings();
  std::cout << "sending a test email to " << to->str() << " through " << s.host << ":" << s.port
            << " (tls: " << s.tls << (s.user.empty() ? "" : ", as " + s.user) << ")\n";
  auto out = app->mail->sendTest(*to);
  if (out.kind == SmtpOutcome::Kind::kSent) {
    std::cout << "sent: the server said: " << out.reply << "\n";
    return 0;
  }
  std::cerr << "mail test failed: " << out.reply << "\n";
  return out.kind == SmtpOutcome::Kind::kPermanent ? 1 : 75;  // 75: EX_TEMPFAIL
}

int mailDrain() {
  CliContext ctx;
  auto app = ctx.open();
  auto r = app->mail->drain();
  std::cout << "sent " << r.sent << ", retrying " << r.retrying << ", failed " << r.failed
            << (r.recovered ? ", " + std::to_string(r.recovered) + " interrupted sends recovered"
                            : "")
            << (r.paused ? " (mail server unreachable: the rest waits)" : "") << "\n";
  return 0;
}

int mailStatus() {
  CliContext ctx;
  auto app = ctx.open();
  auto c = app->mail->counts();
  std::cout << "queued " << c.queued << ", sending " << c.sending << ", sent " << c.sent
            << ", retrying " << c.retrying << ", failed " << c.failed << "\n";
  for (const auto& m : app->mail->list("failed", 20))
    std::cout << "failed #" << m.id << " to " << m.toAddress << ": " << m.lastError << "\n";
  return 0;
}

int remindersRun(const std::map<std::string, std::string>& opt) {
  CliContext ctx;
  engine::TimePoint now = ctx.clock.now();
  if (opt.count("now")) {
    auto d = engine::parseIsoDate(opt.at("now"));
    if (!d) {
      std::cerr << "sendflow reminders run: --now must be a date like 2026-09-01\n";
      return 2;
    }
    // Keep the time of day: only the date is simulated.
    now = engine::startOf(*d) + (now - engine::startOf(engine::dateOf(now)));
  }
  engine::FixedClock clock(now);
  App app(readSettings(*ctx.config), clock, ctx.log, false);
  const bool dry = opt.count("dry-run") > 0;
  auto run = app.reminders.run(engine::dateOf(now), dry);
  if (dry) {
    for (const auto& m : run.dryRun)
      std::cout << m.kind << "\t" << m.toAddress << "\t" << app.mail->subject(m) << "\n";
    std::cerr
        << "dry run: " << run.from << " to " << run.to << ", " << run.dryRun.size()
        << " message(s) would be queued (already queued ones are skipped when run for real)\n";
    return 0;
  }
  std::cout << "reminders " << run.from << " to " << run.to << ": " << run.queued
            << " new message(s) queued\n";
  if (!opt.count("now") && !opt.count("no-send")) {
    auto r = app.mail->drain();
    std::cout << "sent " << r.sent << ", retrying " << r.retrying << ", failed " << r.failed
              << (r.paused ? " (mail server unreachable: the rest waits for `sendflow serve`)" : "")
              << "\n";
  }
  return 0;
}

}  // namespace

std::optional<int> runMailCommands(const std::vector<std::string>& args) {
  if (args.empty()) return std::nullopt;
  std::vector<std::string> positional;
  if (args[0] == "mail" && args.size() >= 2) {
    auto opt = commandOptions(args, 2, positional);
    if (args[1] == "test") return mailTest(opt);
    if (args[1] == "drain") return mailDrain();
    if (args[1] == "status") return mailStatus();
    std::cerr << "usage: sendflow mail test --to ADDR | mail drain | mail status\n";
    return 2;
  }
  if (args[0] == "reminders" && args.size() >= 2 && args[1] == "run")
    return remindersRun(commandOptions(args, 2, positional));
  return std::nullopt;
}

}  // namespace sendflow::web
