// POST events / products / videos: what was accepted and why each reject was refused.
import Type from 'typebox';

export const AcceptResult = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), field: Type.String(), reason: Type.String() })),
});
