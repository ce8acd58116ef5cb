// Document commands: `sendflow render --plan ID [--version N] --out FILE` and
// `sendflow verify FILE.pdf` (sealed documents).
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>

#include <iostream>
#include <limits>

#include "app/atomic_file.h"
#include "cli/cli_commands.h"
#include "pages/documents.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/input.h"

namespace sendflow::web {
namespace {

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxVersionNumber = 1000000000;

int render(const CommandArgs& args) {
  const std::int64_t plan = args.number("plan", 0);
  const std::int64_t version = args.number("version", 0);  // 0: the newest
  const std::string out = args.value("out");
  CliContext ctx;
  auto& app = ctx.open();
  // The CLI runs with the operator's authority over the whole trust.
  auto v = app.reads().document(app.people().cliOperator(), engine::Door::kCli, plan,
                                static_cast<int>(version));
  if (!v) {
    std::cerr << "error: plan " << plan
              << (version ? " version " + std::to_string(version) : std::string()) << ": "
              << v.error().message << "\n";
    return 1;
  }
  engine::RenderedPdf pdf;
  try {
    pdf = renderPlanPdf(app, v.value());
  } catch (const engine::InfraError& e) {
    std::cerr << "error: the PDF could not be rendered: " << e.what() << "\n";
    return 1;
  }
  try {
    writeFileAtomically(out, pdf.bytes);
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
int verify(const CommandArgs& args) {
  const std::string& file = args.positional.at(0);
  std::string bytes;
  try {
    Poco::FileInputStream in(file, std::ios::binary);
    Poco::StreamCopier::copyToString(in, bytes);
  } catch (const Poco::Exception& e) {
    std::cerr << "error: " << file << " cannot be read: " << e.displayText() << "\n";
    return 2;
  }
  CliContext ctx;
  auto& app = ctx.open();
  auto v = app.signatures().verify(bytes);
  std::cout << (v.ok() ? "VALID: " : "NOT VALID: ") << v.message << "\n"
            << "(checked against the records in "
            << Poco::Path(app.settings().home).absolute().toString() << ")\n";
  return v.ok() ? 0 : 1;
}

}  // namespace

void addDocumentCommands(std::vector<Command>& commands) {
  Command renderCommand{{"render"}, "", 0, 0, "Write a plan version as a PDF.", {}, render};
  renderCommand.options.addOption(
      valueOption("plan", "ID", "the plan's number", true).validator(new WholeNumber(1, kMaxId)));
  renderCommand.options.addOption(valueOption("version", "N", "the version (default: the newest)")
                                      .validator(new WholeNumber(1, kMaxVersionNumber)));
  renderCommand.options.addOption(valueOption("out", "FILE", "where to write the PDF", true));
  commands.push_back(std::move(renderCommand));
  commands.push_back({{"verify"},
                      "FILE.pdf",
                      1,
                      1,
                      "Check a sealed PDF: the seal covers the whole file and the document is the "
                      "plan version the database recorded.",
                      {},
                      verify});
}

}  // namespace sendflow::web
