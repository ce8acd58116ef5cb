#include "app/file_document_store.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include "app/atomic_file.h"
#include "sendflow/engine/core/error.h"

namespace sendflow::web {

FileDocumentStore::FileDocumentStore(std::string dir) : dir_(std::move(dir)) {
  Poco::File(dir_).createDirectories();
}

std::string FileDocumentStore::put(const std::string& sha256, std::string_view bytes) {
  if (sha256.empty() || sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw engine::InfraError("a document's name must be its SHA-256 in hex");
  const std::string path = dir_ + "/" + sha256 + ".pdf";
  writeFileAtomically(path, bytes);
  return path;
}

std::string FileDocumentStore::get(const std::string& location) const {
  try {
    Poco::FileInputStream in(location, std::ios::binary);
    std::string bytes;
    Poco::StreamCopier::copyToString(in, bytes);
    return bytes;
  } catch (const Poco::Exception& e) {
    throw engine::InfraError("cannot read the stored document " + location + ": " +
                             e.displayText());
  }
}

void FileDocumentStore::remove(const std::string& location) {
  try {
    Poco::File file(location);
    if (file.exists()) file.remove();
  } catch (const Poco::Exception& e) {
    throw engine::InfraError("cannot delete the stored document " + location + ": " +
                             e.displayText());
  }
}

}  // namespace sendflow::web
