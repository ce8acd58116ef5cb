// A pupil's or contact's file as one zip archive (subject access requests and transfers): the
// engine gathers the content (engine/records), this renders every plan version as a PDF with the
// one renderer, adds the index a person reads first (README.txt), and zips it with Poco::Zip.
#pragma once

#include <string>

#include "sendflow/engine/records/records.h"

namespace sendflow::web {

class Router;
class Services;

// The archive's bytes. Throws engine::InfraError when a PDF cannot be rendered.
std::string subjectArchive(Services& services, const engine::SubjectFile& file);
// "pupil-12-records.zip"
std::string archiveFileName(const engine::SubjectFile& file);

// GET /pupils/{id}/export, POST /pupils/{id}/transfer, GET /contacts/{id}/export,
// GET /pupils/{id}/reads, GET /admin/retention, POST /admin/retention/{id}/erase.
void registerRecordsRoutes(Router& router);

}  // namespace sendflow::web
