#include "app/cli_context.h"

#include "app/app.h"

namespace sendflow::web {

CliContext::CliContext() : config(loadConfiguration()), log(Poco::Logger::get("sendflow")) {}
CliContext::~CliContext() = default;

Services& CliContext::open(bool views) { return openApp(views); }
Services& CliContext::open(engine::Clock& on) { return openApp(on); }

App& CliContext::openApp(bool views) {
  app_ = std::make_unique<App>(readSettings(*config), clock, log, views);
  return *app_;
}

App& CliContext::openApp(engine::Clock& on) {
  app_ = std::make_unique<App>(readSettings(*config), on, log, false);
  return *app_;
}

}  // namespace sendflow::web
