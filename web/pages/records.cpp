#include "pages/records.h"

#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/Zip/Compress.h>

#include <sstream>

#include "app/services.h"
#include "pages/documents.h"

namespace sendflow::web {

std::string subjectArchive(Services& services, const engine::SubjectFile& file) {
  std::vector<engine::ExportFile> all = file.files;
  for (const auto& v : file.versionsToRender) {
    all.push_back({"plans/" + std::to_string(v.plan.id) + "/version-" +
                       std::to_string(v.version.number) + ".pdf",
                   renderPlanPdf(services, v).bytes,
                   v.workflow->title + " (plan " + std::to_string(v.plan.id) + "), version " +
                       std::to_string(v.version.number) + ", as a PDF",
                   ""});
  }
  const engine::TimePoint made = services.clock().now();
  all.insert(all.begin(),
             engine::ExportFile{"README.txt", "", "This index: what the archive holds", ""});
  all.front().bytes = engine::exportIndex(file, all, made);

  std::stringstream out;
  Poco::Zip::Compress zip(out, true);
  const Poco::DateTime stamp(Poco::Timestamp::fromEpochTime(engine::toUnix(made)));
  for (const auto& f : all) {
    std::istringstream in(f.bytes);
    zip.addFile(in, stamp, Poco::Path(file.subject + "/" + f.path, Poco::Path::PATH_UNIX));
  }
  zip.close();
  return out.str();
}

std::string archiveFileName(const engine::SubjectFile& file) {
  return file.subject + "-records.zip";
}

}  // namespace sendflow::web
