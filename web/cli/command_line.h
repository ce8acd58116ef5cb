// The command table and its parser: each command's options are a Poco::Util::OptionSet, parsed
// by Poco's OptionProcessor (Unix style: --name value, --name=value, --flag) and stricter than it
// is by default: names match exactly (no abbreviations, no other case), no option twice, every
// value present, numbers whole. `sendflow help [COMMAND]` and `COMMAND --help` are generated
// from the same table.
#pragma once

#include <Poco/Util/OptionSet.h>
#include <Poco/Util/Validator.h>

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sendflow::web {

// A command line that does not fit its command: printed with the command's usage, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a command receives: option values by full name (a flag's value is empty) and the words
// that are not options.
struct CommandArgs {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return options.contains(name); }
  std::string value(const std::string& name) const;  // "" when absent
  // REQUIRES: the option has a WholeNumber validator (so the value, when given, is checked).
  std::int64_t number(const std::string& name, std::int64_t absent) const;
};

struct Command {
  std::vector<std::string> words;  // {"user", "add"}
  std::string operands;            // what follows the options in the usage line: "DEST"
  std::size_t minOperands = 0, maxOperands = 0;
  std::string summary;  // for `sendflow help`; the first sentence is the overview's line
  Poco::Util::OptionSet options;
  std::function<int(const CommandArgs&)> run;

  std::string name() const;   // "user add"
  std::string usage() const;  // "--email E --name N --role ROLE [--academy NAME|ID] …"
};

// A value option (`--name ARG`), optional unless `required`.
Poco::Util::Option valueOption(const std::string& name, const std::string& arg,
                               const std::string& description, bool required = false);
// A flag (`--name`, no value).
Poco::Util::Option flagOption(const std::string& name, const std::string& description);

// Validates a whole decimal number in [min, max]: "3abc", "+3", " 3", "0x3" are refused.
class WholeNumber : public Poco::Util::Validator {
 public:
  WholeNumber(std::int64_t min, std::int64_t max) : min_(min), max_(max) {}
  void validate(const Poco::Util::Option& option, const std::string& value) override;

 private:
  const std::int64_t min_, max_;
};

// Parses args (the words after the command's own words) against the command's options.
// Throws UsageError naming the offending option.
CommandArgs parseCommandLine(const Command& command, const std::vector<std::string>& args);

// `sendflow help COMMAND` / `COMMAND --help`: usage, summary and every option.
void printCommandHelp(const Command& command, std::ostream& out);
// `sendflow help`: one entry per command.
void printOverview(const std::vector<Command>& commands, std::ostream& out);

}  // namespace sendflow::web
