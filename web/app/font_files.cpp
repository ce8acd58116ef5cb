#include "app/font_files.h"

#include <Poco/Exception.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include "sendflow/engine/core/error.h"

namespace sendflow::web {

std::string FontFiles::fontBytes(engine::PdfFontRole role) const {
  const std::string& path = role == engine::PdfFontRole::kBold ? paths_.bold : paths_.regular;
  try {
    Poco::FileInputStream in(path, std::ios::binary);
    std::string bytes;
    Poco::StreamCopier::copyToString(in, bytes);
    return bytes;
  } catch (const Poco::Exception& e) {
    throw engine::InfraError("cannot read font " + path + ": " + e.displayText());
  }
}

}  // namespace sendflow::web
