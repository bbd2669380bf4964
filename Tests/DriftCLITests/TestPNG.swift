import Foundation
import DriftIO

/// Small PNG fixtures for CLI tests.
enum TestPNG {
    /// A gray image whose value rises left to right from `shade`.
    static func write(width: Int, height: Int, shade: UInt8, to path: String) throws {
        var image = PixelImage(width: width, height: height, channels: 1)
        for y in 0..<height { for x in 0..<width { image[x, y, 0] = shade &+ UInt8(x * 8) } }
        try image.writePNG(to: path)
    }
}
