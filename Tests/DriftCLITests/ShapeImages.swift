import Foundation
import DriftIO

/// Small RGB pictures of three kinds of upright objects for image-folder tests — a house (a square
/// under a roof), a tree (a triangle on a trunk), a balloon (a disc on a string) — of random colours,
/// sizes and places on a pale background. Each has an up, which a rotation network learns by
/// recognising it. Image i of a kind is the same on every run.
enum ShapeImages {
    enum Shape: String, CaseIterable { case house, tree, balloon }

    /// Image `index` of `shape`, `size`×`size` RGB.
    static func image(_ shape: Shape, _ index: Int, size: Int = 32) -> PixelImage {
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(Shape.allCases.firstIndex(of: shape)! + 1) &* 0xD1B5_4A32_D192_ED03
        func uniform() -> Double {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        let s = Double(size)
        let r = s * (0.16 + 0.08 * uniform()), cx = s * (0.38 + 0.24 * uniform()), cy = s * (0.4 + 0.2 * uniform())
        let body = [uniform(), uniform(), uniform()].map { UInt8(20 + 150 * $0) }
        let top = [uniform(), uniform(), uniform()].map { UInt8(20 + 150 * $0) }
        let background = [uniform(), uniform(), uniform()].map { UInt8(200 + 55 * $0) }
        var image = PixelImage(width: size, height: size, channels: 3)
        for y in 0..<size {
            for x in 0..<size {
                // (u, v): the pixel centre relative to the object's centre, in units of r, v downward.
                let u = (Double(x) + 0.5 - cx) / r, v = (Double(y) + 0.5 - cy) / r
                var paint: [UInt8]?
                switch shape {
                case .house:
                    if abs(u) <= 0.8 && v >= 0 && v <= 1.4 { paint = body }
                    if v < 0 && v >= -1.1 && abs(u) <= (v + 1.1) { paint = top }
                case .tree:
                    if abs(u) <= 0.2 && v >= 0.6 && v <= 1.5 { paint = body }
                    if v <= 0.6 && v >= -1.4 && abs(u) <= (v + 1.4) / 2 { paint = top }
                case .balloon:
                    if abs(u) <= 0.08 && v >= 0 && v <= 1.5 { paint = body }
                    if u * u + (v + 0.4) * (v + 0.4) <= 0.8 { paint = top }
                }
                for c in 0..<3 { image[x, y, c] = (paint ?? background)[c] }
            }
        }
        return image
    }

    /// Writes images `indices` of every shape as PNGs: into one sub-folder per shape (labelled), or
    /// all directly into `folder` (unlabelled).
    static func writeFolder(_ folder: URL, indices: Range<Int>, labelled: Bool, size: Int = 32) throws {
        for shape in Shape.allCases {
            let target = labelled ? folder.appendingPathComponent(shape.rawValue) : folder
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for i in indices {
                try image(shape, i, size: size).writePNG(to: target.appendingPathComponent("\(shape.rawValue)-\(i).png").path)
            }
        }
    }
}
