#include "app/font_files.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>

#include "sendflow/engine/core/error.h"

namespace sendflow::web {

// One read into a string of the file's size: a font is about 700 KB, and growing a string through
// StreamCopier's small buffer copied it over and over (a sixth of a `sendflow render` process).
std::string FontFiles::fontBytes(engine::PdfFontRole role) const {
  const std::string& path = role == engine::PdfFontRole::kBold ? paths_.bold : paths_.regular;
  try {
    Poco::FileInputStream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(Poco::File(path).getSize()), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (static_cast<std::size_t>(in.gcount()) != bytes.size())
      throw engine::InfraError("cannot read font " + path + ": shorter than its size");
    return bytes;
  } catch (const Poco::Exception& e) {
    throw engine::InfraError("cannot read font " + path + ": " + e.displayText());
  }
}

}  // namespace sendflow::web
