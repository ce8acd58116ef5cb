#include "app/cli_context.h"

#include "app/app.h"
#include "app/home.h"

namespace sendflow::web {

CliContext::CliContext(HomeUse use)
    : config(loadConfiguration()), log(Poco::Logger::get("sendflow")), use_(use) {}
CliContext::~CliContext() = default;

Services& CliContext::open(bool views) { return openApp(views); }
Services& CliContext::open(engine::Clock& on) { return openApp(on); }

App& CliContext::openApp(bool views) { return openOn(clock, views); }
App& CliContext::openApp(engine::Clock& on) { return openOn(on, false); }

App& CliContext::openOn(engine::Clock& on, bool views) {
  Settings s = readSettings(*config);
  if (use_ == HomeUse::kExisting) requireTrust(s.home, s.databasePath);
  app_ = std::make_unique<App>(std::move(s), on, log, views);
  return *app_;
}

}  // namespace sendflow::web
