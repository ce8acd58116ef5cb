// Records kept as the law asks: `sendflow export --pupil ID | --contact ID [--out FILE]
// [--transfer]` writes the subject's whole file as one zip archive, and `sendflow audit reads
// --pupil ID` lists who opened a pupil's records. The CLI acts as the operator (trust-wide);
// the engine audits both with door "cli".
#include <iostream>
#include <limits>

#include "app/atomic_file.h"
#include "cli/cli_commands.h"
#include "pages/records.h"
#include "sendflow/engine/core/error.h"

namespace sendflow::web {
namespace {

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

int exportFile(const CommandArgs& args) {
  const bool pupil = args.has("pupil"), contact = args.has("contact");
  if (pupil == contact || (contact && args.has("transfer"))) {
    std::cerr << "sendflow export: give exactly one of --pupil ID or --contact ID (--transfer only "
                 "with --pupil)\n";
    return 2;
  }
  CliContext ctx;
  auto& app = ctx.open();
  const auto actor = app.people().cliOperator();
  auto f = pupil ? app.records().pupilFile(actor, engine::Door::kCli, args.number("pupil", 0),
                                           args.has("transfer"))
                 : app.records().contactFile(actor, engine::Door::kCli, args.number("contact", 0));
  if (!f) {
    std::cerr << "error: " << f.error().message << "\n";
    return 1;
  }
  const std::string out = args.has("out") ? args.value("out") : archiveFileName(f.value());
  try {
    writeFileAtomically(out, subjectArchive(app, f.value()));
  } catch (const engine::InfraError& e) {
    std::cerr << "error: " << e.what() << " (nothing was written)\n";
    return 1;
  }
  std::cout << "wrote " << out << ": " << f->title << ", "
            << f->files.size() + f->versionsToRender.size() + 1 << " files\n";
  return 0;
}

int auditReads(const CommandArgs& args) {
  CliContext ctx;
  auto& app = ctx.open();
  auto readLog =
      app.records().reads(app.people().cliOperator(), engine::Door::kCli, args.number("pupil", 0));
  if (!readLog) {
    std::cerr << "error: " << readLog.error().message << "\n";
    return 1;
  }
  std::cout << "Who read " << readLog->pupil.legalName << "'s records (pupil " << readLog->pupil.id
            << "), oldest first, UK time:\n";
  if (readLog->reads.empty()) std::cout << "nobody yet\n";
  for (const auto& r : readLog->reads)
    std::cout << r.when << "\t" << r.who << "\t" << r.what << "\tdoor: " << r.door << "\n";
  return 0;
}

}  // namespace

void addRecordsCommands(std::vector<Command>& commands) {
  Command exportCommand{{"export"},
                        "",
                        0,
                        0,
                        "Write everything held about a pupil or a contact as one zip archive "
                        "(subject access request; --transfer for a pupil moving school).",
                        {},
                        exportFile};
  exportCommand.options.addOption(
      valueOption("pupil", "ID", "the pupil's number").validator(new WholeNumber(1, kMaxId)));
  exportCommand.options.addOption(
      valueOption("contact", "ID", "the contact's number").validator(new WholeNumber(1, kMaxId)));
  exportCommand.options.addOption(
      valueOption("out", "FILE", "where to write the archive (default: pupil-ID-records.zip)"));
  exportCommand.options.addOption(
      flagOption("transfer", "record that the file is transferred to the pupil's next school"));
  commands.push_back(std::move(exportCommand));

  Command readsCommand{{"audit", "reads"},
                       "",
                       0,
                       0,
                       "List who opened a pupil's records, when (UK time) and through which door.",
                       {},
                       auditReads};
  readsCommand.options.addOption(
      valueOption("pupil", "ID", "the pupil's number", true).validator(new WholeNumber(1, kMaxId)));
  commands.push_back(std::move(readsCommand));
}

}  // namespace sendflow::web
