import XCTest
import TensorCore
@testable import Datasets

final class DataTests: XCTestCase {
    let key = RandomKey(seed: 7)

    func testToySamplesDoNotDependOnHowTheStreamIsSplit() {
        for toy in ToyDistribution.allCases {
            let whole = toy.sample(100, key: key).scalars
            let parts = toy.sample(37, key: key).scalars + toy.sample(63, key: key, firstSample: 37).scalars
            XCTAssertEqual(whole, parts, "\(toy)")
        }
    }

    func testToysHaveTheirShapeAndScale() {
        for toy in ToyDistribution.allCases {
            let x = toy.sample(4000, key: key)
            XCTAssertEqual(x.shape, [4000, 2])
            let v = x.scalars
            XCTAssertTrue(v.allSatisfy { abs($0) < 3 }, "\(toy) leaves [-3, 3]²")
            let mean = x.mean(axis: 0).scalars
            XCTAssertLessThan(abs(mean[0]) + abs(mean[1]), 0.25, "\(toy) is not roughly centred: \(mean)")
        }
    }

    func testEightGaussiansConcentrateOnTheirCentres() {
        let x = ToyDistribution.eightGaussians.sample(2000, key: key).scalars
        for i in 0..<2000 {
            let r = (x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1]).squareRoot()
            XCTAssertEqual(r, 2, accuracy: 0.6)
        }
    }

    func testCheckerboardPointsLieOnDarkSquares() {
        let x = ToyDistribution.checkerboard.sample(2000, key: key).scalars
        for i in 0..<2000 {
            let col = Int((x[2 * i] + 2).rounded(.down)), row = Int((x[2 * i + 1] + 2).rounded(.down))
            XCTAssertEqual(col % 2, row % 2, "point \(i) at row \(row) column \(col) is on a light square")
        }
    }

    func testToyNamesParse() {
        XCTAssertEqual(ToyDistribution(name: "8gaussians"), .eightGaussians)
        XCTAssertEqual(ToyDistribution(name: "moons"), .moons)
        XCTAssertNil(ToyDistribution(name: "bananas"))
    }

    func testEpochPermutationIsAPermutationAndDependsOnTheEpoch() {
        let p0 = ShuffledExamples.permutation(1000, key: key.fold(0))
        let p1 = ShuffledExamples.permutation(1000, key: key.fold(1))
        XCTAssertEqual(p0.sorted(), Array(0..<1000))
        XCTAssertNotEqual(p0, p1)
        XCTAssertNotEqual(p0, Array(0..<1000))
    }

    func testShuffledStreamVisitsEveryExampleOncePerEpochAndIsPositionAddressable() {
        let values = Tensor((0..<30).map(Float.init), shape: [10, 1, 1, 3])
        let source = ShuffledExamples(ExampleSet(values: values, labels: Array(0..<10)))
        let epoch0 = source.indices(at: 0, count: 10, key: key)
        XCTAssertEqual(epoch0.sorted(), Array(0..<10))
        let across = source.indices(at: 7, count: 6, key: key)        // crosses into epoch 1
        XCTAssertEqual(Array(across.prefix(3)), Array(epoch0.suffix(3)))
        XCTAssertEqual(Array(across.suffix(3)), Array(source.indices(at: 10, count: 3, key: key)))
        // A fresh source (as after a resume) gives the same examples at the same positions.
        let again = ShuffledExamples(ExampleSet(values: values, labels: Array(0..<10)))
        XCTAssertEqual(again.examples(at: 13, count: 4, key: key).scalars, source.examples(at: 13, count: 4, key: key).scalars)
        XCTAssertEqual(source.labels(at: 0, count: 10, key: key), epoch0)
    }

    func testFlipsMirrorRowsAndAreSeeded() {
        let values = Tensor((0..<6).map(Float.init), shape: [1, 1, 2, 3])
        let set = ExampleSet(values: values)
        XCTAssertEqual(set.gather([0], flipHorizontally: [true]).scalars, [2, 1, 0, 5, 4, 3])
        let source = ShuffledExamples(set, flip: true)
        let batch = source.examples(at: 0, count: 64, key: key).scalars
        let flipped = (0..<64).filter { batch[6 * $0] == 2 }.count
        XCTAssertGreaterThan(flipped, 16)
        XCTAssertLessThan(flipped, 48)
        XCTAssertEqual(batch, source.examples(at: 0, count: 64, key: key).scalars)
    }
}
