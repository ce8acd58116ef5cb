#pragma once
#include <ostream>

namespace sendflow::web {
class App;
// Seeds the demo trust if it is not there yet (idempotent) and prints the demo logins:
// as text, or with json as {"accounts": [...], "pupils": [...], ...}. Returns the exit code.
int runDemo(App& app, bool json, std::ostream& out);
}  // namespace sendflow::web
