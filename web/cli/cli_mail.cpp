// `sendflow mail test --to ADDR`, `sendflow mail drain`, `sendflow mail status`,
// `sendflow reminders run [--now YYYY-MM-DD] [--dry-run] [--no-send]`.
#include <iostream>

#include "cli/cli_commands.h"
#include "mail/mail.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/email_address.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

int mailTest(const CommandArgs& args) {
  auto to = engine::parseEmailAddress(args.value("to"));
  if (!to) {
    std::cerr << "sendflow mail test: --to is not an email address sendflow can send to: "
              << to.error().message << ". Nothing was sent.\n";
    return 2;
  }
  CliContext ctx(HomeUse::kMayCreate);
  auto& app = ctx.open();
  const auto& s = app.mail().settings();
  if (!app.mail().canSend()) {
    std::cerr << "mail test: no mail server is configured (set smtp.host). Nothing was sent.\n";
    return 75;  // EX_TEMPFAIL
  }
  if (app.mail().demoMailbox())
    std::cout << "keeping a test email to " << to->str() << " in the demo mailbox "
              << app.mail().demoMailbox()->dir() << "\n";
  else
    std::cout << "sending a test email to " << to->str() << " through " << s.host << ":" << s.port
              << " (tls: " << s.tls << (s.user.empty() ? "" : ", as " + s.user) << ")\n";
  auto out = app.mail().sendTest(*to);
  if (out.kind == SmtpOutcome::Kind::kSent) {
    std::cout << "sent: the server said: " << out.reply << "\n";
    return 0;
  }
  std::cerr << "mail test failed: " << out.reply << "\n";
  return out.kind == SmtpOutcome::Kind::kPermanent ? 1 : 75;  // 75: EX_TEMPFAIL
}

// What a drain left because it is not due yet (e.g. queued by `reminders run --now` a year
// ahead, or waiting to retry), so an empty drain never passes without a word.
void sayWhatWaits(const engine::OutboxCounts& c, engine::TimePoint now) {
  const int waiting = c.queued + c.retrying;
  if (waiting == 0 || !c.earliestDue || *c.earliestDue <= now) return;
  std::cout << engine::countOf(waiting, "message is", "messages are")
            << " not due yet: the first is due on " << engine::ukDateTime(*c.earliestDue)
            << " (`sendflow serve` sends it then, or `sendflow mail drain` from then)\n";
}

int mailDrain(const CommandArgs&) {
  CliContext ctx;
  auto& app = ctx.open();
  auto r = app.mail().drain();
  std::cout << "sent " << r.sent << ", retrying " << r.retrying << ", failed " << r.failed
            << (r.uncertain ? ", uncertain " + std::to_string(r.uncertain) : "")
            << (r.recovered ? ", " + std::to_string(r.recovered) + " interrupted sends recovered"
                            : "")
            << (r.paused ? " (mail server unreachable: the rest waits)" : "") << "\n";
  if (r.noServer) std::cout << app.mail().noServerNotice() << "\n";
  sayWhatWaits(app.mail().counts(), ctx.clock.now());
  return 0;
}

int mailStatus(const CommandArgs&) {
  CliContext ctx;
  auto& app = ctx.open();
  auto c = app.mail().counts();
  std::cout << "queued " << c.queued << ", sending " << c.sending << ", sent " << c.sent
            << ", retrying " << c.retrying << ", failed " << c.failed << ", uncertain "
            << c.uncertain << "\n";
  for (const char* status : {"failed", "uncertain"})
    for (const auto& m : app.mail().list(status, 20))
      std::cout << status << " #" << m.id << " to " << m.toAddress << ": " << m.lastError << "\n";
  return 0;
}

int remindersRun(const CommandArgs& args) {
  CliContext ctx;
  engine::TimePoint now = ctx.clock.now();
  if (args.has("now")) {
    auto d = engine::parseIsoDate(args.value("now"));
    if (!d) {
      std::cerr << "sendflow reminders run: --now must be a date like 2026-09-01\n";
      return 2;
    }
    // Keep the time of day: only the date is simulated.
    now = engine::startOf(*d) + (now - engine::startOf(engine::dateOf(now)));
  }
  engine::FixedClock clock(now);
  auto& app = ctx.open(clock);
  if (args.has("dry-run")) {
    // Each message printed as it is found: nothing kept, however many plans the day selects.
    long listed = 0;
    auto run = app.reminders().dryRun(engine::dateOf(now), [&](const engine::OutboxMessage& m) {
      std::cout << m.kind << "\t" << m.toAddress << "\t" << app.mail().subject(m) << "\n";
      ++listed;
    });
    std::cerr << "dry run: " << run.from << " to " << run.to << ", "
              << engine::countOf(listed, "message", "messages")
              << " would be queued (already queued ones are skipped when run for real)\n";
    return 0;
  }
  auto run = app.reminders().run(engine::dateOf(now), false);
  std::cout << "reminders " << run.from << " to " << run.to << ": "
            << engine::countOf(run.queued, "new message queued", "new messages queued")
            << (args.has("now") && run.queued > 0
                    ? ", due on " + engine::ukDate(engine::dateOf(now)) +
                          ": `sendflow mail drain` sends them from that day"
                    : std::string())
            << "\n";
  if (!args.has("now") && !args.has("no-send")) {
    auto r = app.mail().drain();
    std::cout << "sent " << r.sent << ", retrying " << r.retrying << ", failed " << r.failed
              << (r.paused ? " (mail server unreachable: the rest waits for `sendflow serve`)" : "")
              << "\n";
    if (r.noServer) std::cout << app.mail().noServerNotice() << "\n";
  }
  return 0;
}

}  // namespace

void addMailCommands(std::vector<Command>& commands) {
  Command test{{"mail", "test"},
               "",
               0,
               0,
               "Send a test message through the configured SMTP server and print what it said.",
               {},
               mailTest};
  test.options.addOption(valueOption("to", "ADDRESS", "who receives the test message", true));
  commands.push_back(std::move(test));
  commands.push_back({{"mail", "status"},
                      "",
                      0,
                      0,
                      "Count the outbox by state and list recent failures.",
                      {},
                      mailStatus});
  commands.push_back({{"mail", "drain"},
                      "",
                      0,
                      0,
                      "Send what is due now (what `serve` does in the background).",
                      {},
                      mailDrain});
  Command reminders{{"reminders", "run"},
                    "",
                    0,
                    0,
                    "Queue the review reminders due up to a date (default today) and send them.",
                    {},
                    remindersRun};
  reminders.options.addOption(
      valueOption("now", "DATE", "act as if today were DATE (YYYY-MM-DD); queues without sending"));
  reminders.options.addOption(
      flagOption("dry-run", "list the reminders without queueing anything"));
  reminders.options.addOption(flagOption("no-send", "queue the reminders without sending them"));
  commands.push_back(std::move(reminders));
}

}  // namespace sendflow::web
