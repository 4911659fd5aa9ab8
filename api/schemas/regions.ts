// Regions: one product's engagement per region, and demand and opportunity per region.
import Type from 'typebox';
import { TimeRange } from './common.js';

export const RangeQuery = Type.Object({ ...TimeRange });

export const ProductRegion = Type.Object({ region: Type.String(), name: Type.String(), views: Type.Number(), orders: Type.Number(), revenue: Type.Number(), share: Type.Number() });
export type ProductRegion = Type.Static<typeof ProductRegion>;
export const ProductRegions = Type.Object({ items: Type.Array(ProductRegion) });

export const RegionOpportunity = Type.Object({
  region: Type.String(), name: Type.String(), views: Type.Number(), orders: Type.Number(), revenue: Type.Number(), products: Type.Number(),
  growth: Type.Number(), competition: Type.Number(), opportunity: Type.Number(),
});
export type RegionOpportunity = Type.Static<typeof RegionOpportunity>;
export const RegionOpportunities = Type.Object({ items: Type.Array(RegionOpportunity) });
