import DriftIO

extension PixelImage {
    /// Tiles RGB images into rows (row r, column c at the same place in every row; cells are as
    /// large as the largest image, which sits at the cell's top left), with `padding` pixels of
    /// `background` between and around cells. Missing images (nil) leave their cell empty.
    public static func mosaic(_ rows: [[PixelImage?]], padding: Int = 4, background: UInt8 = 255) -> PixelImage {
        let images = rows.flatMap { $0 }.compactMap { $0 }
        let cellWidth = images.map(\.width).max() ?? 1, cellHeight = images.map(\.height).max() ?? 1
        let columns = rows.map(\.count).max() ?? 0
        let width = padding + columns * (cellWidth + padding), height = padding + rows.count * (cellHeight + padding)
        var out = PixelImage(width: max(width, 1), height: max(height, 1), channels: 3, fill: [background])
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                guard let image = cell?.converted(toChannels: 3) else { continue }
                let x0 = padding + c * (cellWidth + padding), y0 = padding + r * (cellHeight + padding)
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        for k in 0..<3 { out.pixels[((y0 + y) * out.width + x0 + x) * 3 + k] = image.pixels[(y * image.width + x) * 3 + k] }
                    }
                }
            }
        }
        return out
    }
}
