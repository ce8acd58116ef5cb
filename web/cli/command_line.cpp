#include "cli/command_line.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <limits>
#include <sstream>

#include "sendflow/engine/core/input.h"

namespace sendflow::web {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

bool looksLikeOption(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }

// The option `arg` names, matched exactly: Poco alone would also take an abbreviation ("--pl")
// or another case ("--PLAN") for the full name.
const Option& exactOption(const OptionSet& options, const std::string& arg) {
  const bool isLong = arg.rfind("--", 0) == 0;
  const std::string typed = isLong ? arg.substr(2, arg.find_first_of(":=") - 2) : arg.substr(1);
  for (const auto& option : options)
    if (isLong ? option.fullName() == typed : option.shortName() == typed) return option;
  throw UsageError("unknown option " + (isLong ? arg.substr(0, typed.size() + 2) : arg));
}

// Option values are single lines typed by an operator: control characters are a mistake.
void checkValue(const Option& option, const std::string& value) {
  if (!option.takesArgument()) return;
  if (value.empty()) throw UsageError("--" + option.fullName() + " needs a value");
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      throw UsageError("--" + option.fullName() + " contains a control character");
  if (option.validator() != nullptr) option.validator()->validate(option, value);
}

// Word-wraps text to `width` columns, each line indented by `indent` spaces.
std::string wrapped(const std::string& text, std::size_t indent, std::size_t width) {
  std::istringstream words(text);
  std::string out;
  std::string line;
  std::string word;
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

}  // namespace

std::string CommandArgs::value(const std::string& name) const {
  auto it = options.find(name);
  return it == options.end() ? std::string() : it->second;
}

std::int64_t CommandArgs::number(const std::string& name, std::int64_t absent) const {
  if (!has(name)) return absent;
  auto n = engine::parseInteger(value(name), std::numeric_limits<std::int64_t>::min(),
                                std::numeric_limits<std::int64_t>::max());
  if (!n) throw std::logic_error("--" + name + " has no WholeNumber validator");
  return *n;
}

std::string Command::name() const {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string Command::usage() const {
  std::string out;
  for (const auto& option : options) {
    if (option.fullName() == "help") continue;
    std::string text = "--" + option.fullName();
    if (option.takesArgument()) text += " " + option.argumentName();
    out += (out.empty() ? "" : " ") + (option.required() ? text : "[" + text + "]");
  }
  if (!operands.empty()) out += (out.empty() ? "" : " ") + operands;
  return out;
}

Option valueOption(const std::string& name, const std::string& arg, const std::string& description,
                   bool required) {
  return Option(name, "", description, required).argument(arg, true);
}

Option flagOption(const std::string& name, const std::string& description) {
  return Option(name, "", description, false).noArgument();
}

void WholeNumber::validate(const Option& option, const std::string& value) {
  if (!engine::parseInteger(value, min_, max_))
    throw Poco::Util::InvalidArgumentException(
        "--" + option.fullName() + " must be a whole number from " + std::to_string(min_) + " to " +
        std::to_string(max_) + ", not '" + value + "'");
}

CommandArgs parseCommandLine(const Command& command, const std::vector<std::string>& args) {
  Poco::Util::OptionProcessor processor(command.options);
  CommandArgs out;
  const Option* pending = nullptr;  // an option whose value is the next word
  bool optionsEnded = false;
  for (const auto& arg : args) {
    if (optionsEnded) {
      out.positional.push_back(arg);
      continue;
    }
    if (pending == nullptr && arg == "--") {
      optionsEnded = true;
      continue;
    }
    if (pending != nullptr && looksLikeOption(arg))
      throw UsageError("--" + pending->fullName() + " needs a value (write --" +
                       pending->fullName() + "=VALUE for one that starts with -)");
    const Option* option = pending;
    if (option == nullptr && looksLikeOption(arg)) option = &exactOption(command.options, arg);
    std::string name;
    std::string value;
    try {
      if (!processor.process(arg, name, value)) {
        out.positional.push_back(arg);
        continue;
      }
      if (option == nullptr) throw UsageError("unexpected '" + arg + "'");
      if (name.empty()) {  // Poco defers the option until its value arrives
        pending = option;
        continue;
      }
      pending = nullptr;
      checkValue(*option, value);
    } catch (const Poco::Util::DuplicateOptionException&) {
      throw UsageError("--" + option->fullName() + " is given more than once");
    } catch (const Poco::Util::UnexpectedArgumentException&) {
      throw UsageError("--" + option->fullName() + " takes no value");
    } catch (const Poco::Util::OptionException& e) {
      throw UsageError(e.message().empty() ? e.displayText() : e.message());
    }
    out.options[name] = value;
  }
  if (pending != nullptr) throw UsageError("--" + pending->fullName() + " needs a value");
  if (out.has("help")) return out;
  try {
    processor.checkRequired();
  } catch (const Poco::Util::MissingOptionException& e) {
    throw UsageError("--" + e.message() + " is required");
  }
  if (out.positional.size() < command.minOperands)
    throw UsageError(command.operands.empty() ? "missing operand" : "missing " + command.operands);
  if (out.positional.size() > command.maxOperands)
    throw UsageError("unexpected '" + out.positional[command.maxOperands] + "'");
  return out;
}

void printCommandHelp(const Command& command, std::ostream& out) {
  Poco::Util::HelpFormatter help(command.options);
  help.setUnixStyle(true);
  help.setWidth(100);
  help.setCommand("sendflow " + command.name());
  help.setUsage(command.usage());
  help.setHeader(command.summary);
  help.format(out);
}

void printOverview(const std::vector<Command>& commands, std::ostream& out) {
  out << "sendflow — statutory SEND plans for schools and academy trusts\n\n"
         "usage: sendflow COMMAND [options]\n"
         "       sendflow help COMMAND    (or COMMAND --help) for one command's options\n\n";
  for (const auto& command : commands) {
    const std::string usage = command.usage();
    out << "  " << command.name() << (usage.empty() ? "" : " " + usage) << "\n"
        << wrapped(command.summary, 6, 100);
  }
}

}  // namespace sendflow::web
