import { Type } from '@sinclair/typebox';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import { route } from '@crp/platform/http';
import {
  createCarrierAccount,
  listCarrierAccounts,
  removeCarrierAccount,
  updateCarrierAccount,
} from '../app/carrier-accounts';
import type { TplDeps } from '../app/ports';
import { CarrierAccount, CarrierAccountBody, CarrierAccountPatch, callerOf } from './schemas';

const Params = Type.Object({ carrierAccountId: Type.String({ minLength: 1, maxLength: TEXT_LIMITS.id }) });

/** R5.5: the account's carrier accounts; each change is published as CarrierAccountChanged. */
export function carrierAccountRoutes(deps: TplDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/carrier-accounts',
      operationId: 'listCarrierAccounts',
      summary: "The account's carrier accounts and the services each supports",
      tags: ['carrier accounts'],
      responses: {
        200: {
          description: 'Carrier accounts',
          schema: Type.Object({ carrierAccounts: Type.Array(CarrierAccount) }),
        },
      },
      handler: async ({ principal }) => ({ body: await listCarrierAccounts(deps, principal.accountId) }),
    }),
    route({
      method: 'post',
      path: '/v1/carrier-accounts',
      operationId: 'createCarrierAccount',
      summary: 'Register a carrier account: carrier code and supported services (R5.5)',
      tags: ['carrier accounts'],
      roles: ['admin'],
      body: CarrierAccountBody,
      responses: {
        201: { description: 'Registered; CarrierAccountChanged published', schema: CarrierAccount },
      },
      handler: async ({ principal, body, correlationId }) => ({
        status: 201,
        body: await createCarrierAccount(deps, callerOf(principal, correlationId), body),
      }),
    }),
    route({
      method: 'patch',
      path: '/v1/carrier-accounts/:carrierAccountId',
      operationId: 'updateCarrierAccount',
      summary: 'Change the services of a carrier account, or whether connected 3PLs may use it',
      tags: ['carrier accounts'],
      roles: ['admin'],
      params: Params,
      body: CarrierAccountPatch,
      responses: {
        200: { description: 'Changed', schema: CarrierAccount },
        404: { description: 'Not this account’s' },
      },
      handler: async ({ principal, params, body, correlationId }) => ({
        body: await updateCarrierAccount(
          deps,
          callerOf(principal, correlationId),
          params.carrierAccountId,
          body,
        ),
      }),
    }),
    route({
      method: 'delete',
      path: '/v1/carrier-accounts/:carrierAccountId',
      operationId: 'removeCarrierAccount',
      summary: 'Remove a carrier account',
      tags: ['carrier accounts'],
      roles: ['admin'],
      params: Params,
      responses: { 204: { description: 'Removed' }, 404: { description: 'Not this account’s' } },
      handler: async ({ principal, params, correlationId }) => {
        await removeCarrierAccount(deps, callerOf(principal, correlationId), params.carrierAccountId);
        return { status: 204 };
      },
    }),
  ];
}
