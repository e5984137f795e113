"""SIMD vectors in numba: a vector type, the six operations a matrix product needs,
``pow2`` for the compiled float64 tanh, and ``prefer_wide_vectors`` for the loops LLVM
vectorises.

numba vectorises loops by itself, but it cannot be told to keep sixteen running sums in
registers through a loop, which is what makes a matrix product fast
(:mod:`runner.packed_gemm`). Here a vector is a numba value whose machine type is an LLVM
vector of ``Vector.lanes`` floats: 64 bytes, one AVX-512 register. Assigned to a local
variable, it lives in a register.

- ``vzero(a)``: a vector of zeros of ``a``'s dtype.
- ``vload(a, i)``, ``vstore(a, i, v)``: the ``lanes`` elements from flat index ``i`` of
  ``a``'s memory (the buffer's, whatever ``a``'s shape and strides).
- ``vsplat(a, i)``: element ``i`` of ``a``'s memory, in every lane.
- ``vfma(x, y, z)``: ``x * y + z`` in each lane, rounded once.
- ``prefetch(a, i)``: bring the cache line of element ``i`` of ``a``'s memory into L2, to
  be read soon (a hint: no number changes).
- ``pow2(n)``: ``2.0 ** n`` for a whole number n in a float, from its bits (a scalar).
- ``prefer_wide_vectors()``: the loops of the function that calls it are vectorised with
  512-bit vectors where the CPU has them. Call it in that function itself: a helper's
  call marks the helper, unless numba inlines it (``inline="always"``).

Nothing checks bounds: the caller keeps every index inside the buffer.
"""

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, models, register_model

VECTOR_BYTES = 64


class Vector(types.Type):
    """``lanes`` values of the float type ``dtype``, in one register."""

    def __init__(self, dtype: types.Float):
        self.dtype = dtype
        self.lanes = VECTOR_BYTES * 8 // dtype.bitwidth
        super().__init__(name=f"Vector({dtype} x {self.lanes})")


@register_model(Vector)
class _VectorModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type: Vector):
        element = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(element, fe_type.lanes))


def element_address(context, builder, array_type, array, index):
    """In an intrinsic's code: a pointer to flat element ``index`` of the array's buffer."""
    data = context.make_array(array_type)(context, builder, array).data
    return builder.gep(data, [index])


@intrinsic
def vzero(typingctx, like):
    vector = Vector(like.dtype)

    def codegen(context, builder, sig, args):
        return ir.Constant(context.get_value_type(vector), None)

    return vector(like), codegen


@intrinsic
def vload(typingctx, array, index):
    vector = Vector(array.dtype)

    def codegen(context, builder, sig, args):
        address = element_address(context, builder, sig.args[0], *args)
        address = builder.bitcast(address, context.get_value_type(vector).as_pointer())
        return builder.load(address, align=array.dtype.bitwidth // 8)

    return vector(array, index), codegen


@intrinsic
def vstore(typingctx, array, index, value):
    def codegen(context, builder, sig, args):
        address = element_address(context, builder, sig.args[0], args[0], args[1])
        address = builder.bitcast(address, args[2].type.as_pointer())
        builder.store(args[2], address, align=array.dtype.bitwidth // 8)
        return context.get_dummy_value()

    return types.none(array, index, value), codegen


@intrinsic
def vsplat(typingctx, array, index):
    vector = Vector(array.dtype)

    def codegen(context, builder, sig, args):
        scalar = builder.load(element_address(context, builder, sig.args[0], *args))
        llvm_type = context.get_value_type(vector)
        first = builder.insert_element(
            ir.Constant(llvm_type, ir.Undefined), scalar, ir.Constant(ir.IntType(32), 0)
        )
        lane_0_everywhere = ir.Constant(ir.VectorType(ir.IntType(32), vector.lanes), None)
        return builder.shuffle_vector(
            first, ir.Constant(llvm_type, ir.Undefined), lane_0_everywhere
        )

    return vector(array, index), codegen


@intrinsic
def vfma(typingctx, x, y, z):
    def codegen(context, builder, sig, args):
        llvm_type = args[0].type
        bits = sig.args[0].dtype.bitwidth
        name = f"llvm.fma.v{sig.args[0].lanes}f{bits}"
        fma = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(llvm_type, [llvm_type] * 3), name
        )
        return builder.call(fma, args)

    return x(x, y, z), codegen


@intrinsic
def prefetch(typingctx, array, index):
    def codegen(context, builder, sig, args):
        address = element_address(context, builder, sig.args[0], *args)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            "llvm.prefetch.p0",
        )
        # (address, 0: for a read, 2: locality, kept in L2, 1: data, not instructions)
        flags = [ir.Constant(i32, f) for f in (0, 2, 1)]
        builder.call(fn, [builder.bitcast(address, byte_pointer), *flags])
        return context.get_dummy_value()

    return types.none(array, index), codegen


@intrinsic
def pow2(typingctx, n):
    """``2.0 ** n`` for a float n holding a whole number within the type's normal exponent
    range (-126 to 127 for float32, -1022 to 1023 for float64): built from its bits, exact,
    in a form LLVM vectorises (``1 << n`` would widen to int64 on the way)."""
    mantissa_bits, bias = (23, 127) if n.bitwidth == 32 else (52, 1023)

    def codegen(context, builder, sig, args):
        int_type = ir.IntType(n.bitwidth)
        exponent = builder.add(builder.fptosi(args[0], int_type), ir.Constant(int_type, bias))
        bits = builder.shl(exponent, ir.Constant(int_type, mantissa_bits))
        return builder.bitcast(bits, args[0].type)

    return n(n), codegen


@intrinsic
def prefer_wide_vectors(typingctx):
    """Have LLVM vectorise the calling function's loops with 512-bit vectors where the CPU
    has them. On CPUs with AVX-512 it picks 256-bit ones unless told (a tuning for the
    first such CPUs, whose clock dropped under 512-bit work): half the lanes. It changes
    no number, only how many are computed at once."""

    def codegen(context, builder, sig, args):
        # A key="value" function attribute: llvmlite's attribute set checks names against
        # LLVM's keyword attributes only, so it is added to the set as the set it is.
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return types.none(), codegen
