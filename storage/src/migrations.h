#pragma once
#include <string>
#include <vector>

namespace sendflow::storage {
struct Migration {
  int number;
  const char* name;
  const char* sql;
};
const std::vector<Migration>& embeddedMigrations();  // sorted by number
}  // namespace sendflow::storage
