/**
 * The internal gRPC API stays internal by construction: its port is none of the public ones, and no route of the
 * edge's table (which both the gateway and the ALB are built from) nor any ALB path pattern reaches its methods.
 */
import { describe, expect, it } from 'vitest';
import { Health } from '../../../services/contracts/grpc/gen/grpc/health/v1/health_pb';
import { ProductCatalog } from '../../../services/contracts/grpc/gen/platform/product/v1/product_catalog_pb';
import { albPathPatterns, ROUTES } from '../../../services/contracts/routes';
import { INTERNAL_GRPC, SERVICE_NAMES, SERVICES } from '../../../services/contracts/services';

/** Every method's path, as gRPC, gRPC-Web and Connect all put it: /<package>.<Service>/<Method>. */
const METHOD_PATHS = [ProductCatalog, Health].flatMap((service) => service.methods.map((method) => `/${service.typeName}/${method.name}`));

/** An ALB path pattern (`*` any characters, `?` one) as a regular expression. */
const patternToRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

describe('the internal gRPC API and the edge', () => {
  it('when the ports are listed, then the gRPC port is none of the services\' public ports', () => {
    const publicPorts = Object.values(SERVICES).map((service) => service.port);
    for (const grpc of Object.values(INTERNAL_GRPC)) expect(publicPorts).not.toContain(grpc.port);
  });

  it('when the route table is read, then no route is a gRPC method\'s path or under a gRPC package', () => {
    expect(METHOD_PATHS).toContain('/platform.product.v1.ProductCatalog/GetPrices');
    for (const route of ROUTES) {
      expect(METHOD_PATHS).not.toContain(route.path);
      expect(route.path).not.toMatch(/^\/(platform|grpc)\./);
    }
  });

  it.each(SERVICE_NAMES)('when the ALB\'s path patterns of %s are matched, then none takes a gRPC method\'s path', (service) => {
    const patterns = albPathPatterns(service).map(patternToRegExp);
    for (const path of METHOD_PATHS) expect(patterns.filter((pattern) => pattern.test(path))).toEqual([]);
  });
});
