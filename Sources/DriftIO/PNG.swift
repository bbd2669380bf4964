import CPNG
import Foundation

/// One PNG text chunk (tEXt, zTXt or iTXt): a keyword and its text.
public struct PNGText: Equatable, Sendable {
    /// 1–79 printable ASCII characters, no leading or trailing space.
    public var key: String
    /// Any UTF-8 text (stored as tEXt when ASCII, as iTXt otherwise).
    public var text: String

    public init(_ key: String, _ text: String) {
        self.key = key
        self.text = text
    }
}

/// How `PNG.read` converts pixels.
public enum PNGChannels: Int, Sendable {
    /// Keep the file's kind: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palettes → RGB, tRNS → alpha).
    case natural = 0
    /// Gray (color converted with Rec. 709 weights, alpha dropped).
    case gray = 1
    /// RGB (gray replicated, alpha dropped without compositing).
    case rgb = 3
    /// RGBA (opaque alpha added when the file has none).
    case rgba = 4
}

/// PNG files through libpng (via the C target CPNG).
///
/// Writing: 8-bit gray, gray+alpha, RGB or RGBA, non-interlaced, with text
/// chunks and a zlib compression level, atomically (temporary file + rename,
/// see `AtomicFile`). Reading: any valid PNG (1–16 bits, palette, alpha,
/// Adam7) converted to 8 bits per sample; 16-bit samples are scaled, not
/// truncated. Damaged files (bad CRC, truncated data) give `damaged` with
/// libpng's message, files without the PNG signature `wrongFormat`.
public enum PNG {
    /// A decoded PNG: pixels, text chunks, and what the file stored.
    public struct File: Sendable {
        public var image: PixelImage
        public var text: [PNGText]
        /// Bits per sample in the file (1, 2, 4, 8, 16).
        public var bitDepth: Int
        /// Whether the file is Adam7-interlaced.
        public var interlaced: Bool

        /// The value of the first text chunk named `key`.
        public func text(_ key: String) -> String? { text.first { $0.key == key }?.text }
    }

    /// Writes `image` to `path` with `text` chunks; `compressionLevel` is zlib's 0 (none) to 9 (smallest).
    public static func write(_ image: PixelImage, to path: String, text: [PNGText] = [], compressionLevel: Int = 6) throws {
        precondition((0...9).contains(compressionLevel), "PNG.write: compression level must be 0...9, got \(compressionLevel)")
        for t in text { try validateKey(t.key) }
        guard image.width > 0, image.height > 0 else {
            throw DriftIOError.invalidArgument("PNG.write: cannot write an empty \(image.width)x\(image.height) image to \(path)")
        }
        try AtomicFile.write(to: path) { tmp in
            var err = [CChar](repeating: 0, count: 256)
            let keys = text.map { strdup($0.key) }, values = text.map { strdup($0.text) }
            defer { (keys + values).forEach { free($0) } }
            let status = image.pixels.withUnsafeBufferPointer { px in
                keys.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
                    values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                        drift_png_write(tmp, px.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                                        k.baseAddress, v.baseAddress, Int32(text.count), Int32(compressionLevel), &err, err.count)
                    }
                }
            }
            guard status == DRIFT_PNG_OK else {
                throw DriftIOError.cannotWrite(path: path, detail: String(nulTerminated: err))
            }
        }
    }

    /// Reads a PNG, converting its pixels as `channels` says.
    public static func read(_ path: String, channels: PNGChannels = .natural) throws -> File {
        let size = try FileCheck.readableFile(path)
        guard size > 0 else { throw DriftIOError.wrongFormat(path: path, format: "PNG", detail: "empty file") }
        var img = drift_png_image()
        defer { drift_png_image_free(&img) }
        var err = [CChar](repeating: 0, count: 256)
        let status: Int32 = drift_png_read(path, Int32(channels.rawValue), &img, &err, err.count)
        let message = String(nulTerminated: err)
        switch Int(status) {
        case DRIFT_PNG_OK: break
        case DRIFT_PNG_NOT_PNG: throw DriftIOError.wrongFormat(path: path, format: "PNG", detail: "")
        case DRIFT_PNG_OPEN_FAILED: throw DriftIOError.cannotRead(path: path, detail: message)
        case DRIFT_PNG_TOO_LARGE: throw DriftIOError.damaged(path: path, detail: "image of \(img.width)x\(img.height) pixels is too large")
        default: throw DriftIOError.damaged(path: path, detail: message)
        }
        let w = Int(img.width), h = Int(img.height), c = Int(img.channels)
        let pixels = [UInt8](UnsafeBufferPointer(start: img.pixels, count: w * h * c))
        let text = (0..<Int(img.ntext)).map { i in
            PNGText(String(cString: img.keys[i]!), String(cString: img.values[i]!))
        }
        return File(image: PixelImage(width: w, height: h, channels: c, pixels: pixels), text: text,
                    bitDepth: Int(img.bit_depth), interlaced: img.interlaced != 0)
    }

    /// PNG keywords: 1–79 printable ASCII characters without leading/trailing spaces.
    static func validateKey(_ key: String) throws {
        let bytes = Array(key.utf8)
        guard (1...79).contains(bytes.count), bytes.allSatisfy({ (32...126).contains($0) }),
              bytes.first != 32, bytes.last != 32 else {
            throw DriftIOError.invalidArgument(
                "PNG text key '\(key)' is invalid: use 1–79 printable ASCII characters without leading or trailing spaces")
        }
    }
}

extension PixelImage {
    /// Writes the image as PNG (see `PNG.write`).
    public func writePNG(to path: String, text: [PNGText] = [], compressionLevel: Int = 6) throws {
        try PNG.write(self, to: path, text: text, compressionLevel: compressionLevel)
    }

    /// Reads a PNG's pixels (see `PNG.read`).
    public static func readPNG(_ path: String, channels: PNGChannels = .natural) throws -> PixelImage {
        try PNG.read(path, channels: channels).image
    }
}
