// What every CLI command needs: the configuration, and the application it opens — as Services,
// the engine services handlers see; or, for the administration commands (migrate, backup,
// `user add`, `audit verify`, the demo seeder), as the composition root itself.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <memory>

#include "app/services.h"
#include "app/system_clock.h"

namespace sendflow::web {

class App;

// Whether a command may start a trust in an empty or missing home (migrate, demo, user add,
// mail test, routes) or works on the data already there: every other command, which never
// creates a home and, when there is no database, says which home it looked in.
enum class HomeUse { kExisting, kMayCreate };

struct CliContext {
  explicit CliContext(HomeUse use = HomeUse::kExisting);
  ~CliContext();
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> config;
  SystemClock clock;
  Poco::Logger& log;
  // Builds the application (with the page templates and routes when `views`) on `clock`, the
  // system clock when none is given. The context owns it.
  Services& open(bool views = false);
  Services& open(engine::Clock& on);
  App& openApp(bool views = false);
  App& openApp(engine::Clock& on);

 private:
  App& openOn(engine::Clock& on, bool views);
  const HomeUse use_;
  std::unique_ptr<App> app_;
};

}  // namespace sendflow::web
