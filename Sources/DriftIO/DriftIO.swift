import TensorCore
import CHDF5
import CZlib
import CPNG
