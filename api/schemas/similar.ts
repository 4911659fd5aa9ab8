// GET products/:id/similar.
import Type from 'typebox';

export const SimilarProduct = Type.Object({ productId: Type.String(), title: Type.String(), score: Type.Number(), similarity: Type.Number(), reason: Type.String() });
export type SimilarProduct = Type.Static<typeof SimilarProduct>;
export const SimilarProducts = Type.Object({ items: Type.Array(SimilarProduct) });
