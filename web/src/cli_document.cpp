// Document commands: `sendflow verify FILE.pdf` (sealed documents).
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <iostream>

#include "cli_commands.h"

namespace sendflow::web {
namespace {

// `sendflow verify FILE.pdf`: the seal is valid and covers the whole file, and the document
// matches what the database recorded for that plan version. Exit 0 only if both hold.
int verify(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: sendflow verify FILE.pdf\n";
    return 2;
  }
  std::string bytes;
  try {
    Poco::FileInputStream in(args[1], std::ios::binary);
    Poco::StreamCopier::copyToString(in, bytes);
  } catch (const Poco::Exception& e) {
    std::cerr << "error: " << args[1] << " cannot be read: " << e.displayText() << "\n";
    return 2;
  }
  CliContext ctx;
  auto app = ctx.open();
  auto v = app->signatures->verify(bytes);
  std::cout << (v.ok() ? "VALID: " : "NOT VALID: ") << v.message << "\n";
  return v.ok() ? 0 : 1;
}

}  // namespace

std::optional<int> runDocumentCommands(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "verify") return verify(args);
  return std::nullopt;
}

}  // namespace sendflow::web
