// Document commands: `sendflow render --plan ID [--version N] --out FILE` and
// `sendflow verify FILE.pdf` (sealed documents).
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <iostream>
#include <limits>

#include "cli/cli_commands.h"
#include "pages/documents.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/input.h"

namespace sendflow::web {
namespace {

constexpr const char* kRenderUsage = "usage: sendflow render --plan ID [--version N] --out FILE\n";

std::optional<long long> wholeNumber(const std::string& s) {
  auto n = engine::parseInteger(s, 0, std::numeric_limits<std::int64_t>::max());
  if (!n) return std::nullopt;
  return static_cast<long long>(*n);
}

int render(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  auto opt = commandOptions(args, 1, positional);
  auto plan = wholeNumber(opt.count("plan") ? opt["plan"] : "");
  auto version = wholeNumber(opt.count("version") ? opt["version"] : "0");
  const std::string out = opt.count("out") ? opt["out"] : "";
  if (!positional.empty() || !plan || *plan == 0 || !version || *version > 1000000000 ||
      out.empty()) {
    std::cerr << "error: render needs --plan ID (a plan number), an optional --version N and "
                 "--out FILE\n"
              << kRenderUsage;
    return 2;
  }
  CliContext ctx;
  auto app = ctx.open();
  // The CLI runs with the operator's authority over the whole trust.
  auto v = app->reads.document(app->peopleService.cliOperator(), engine::Door::kCli, *plan,
                               static_cast<int>(*version));
  if (!v) {
    std::cerr << "error: plan " << *plan
              << (*version ? " version " + std::to_string(*version) : std::string()) << ": "
              << v.error().message << "\n";
    return 1;
  }
  engine::RenderedPdf pdf;
  try {
    pdf = renderPlanPdf(*app, v.value());
  } catch (const engine::InfraError& e) {
    std::cerr << "error: the PDF could not be rendered: " << e.what() << "\n";
    return 1;
  }
  try {
    engine::writeFileAtomically(out, pdf.bytes);
  } catch (const engine::InfraError& e) {
    std::cerr << "error: " << e.what() << " (nothing was written)\n";
    return 1;
  }
  std::cout << "wrote " << out << ": " << v->workflow->title << ", version " << v->version.number
            << ", " << pdf.pages << (pdf.pages == 1 ? " page, " : " pages, ") << pdf.bytes.size()
            << " bytes\n";
  if (!pdf.placeholderFields.empty()) {
    std::cout << "note: characters the PDF cannot show (emoji, scripts that need shaping) are "
                 "marked as not shown in: "
              << placeholderSummary(v.value(), pdf)
              << ". The online plan remains the full record.\n";
  }
  return 0;
}

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
  if (!args.empty() && args[0] == "render") return render(args);
  if (!args.empty() && args[0] == "verify") return verify(args);
  return std::nullopt;
}

}  // namespace sendflow::web
