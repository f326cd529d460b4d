/**
 * An EC2 image named by its id, for instances that must not follow AWS's latest image: left unpinned, the first
 * deploy after AWS publishes a new one replaces the instance (the NAT instance, the database access host).
 */
import { type IMachineImage, OperatingSystemType, UserData } from 'aws-cdk-lib/aws-ec2';

const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** The id, if it is one; `owner` names the setting in the error, e.g. `Network natImageId`. */
export function checkedImageId(owner: string, imageId: string): string {
  if (!AMI_ID.test(imageId)) throw new Error(`${owner} must be an image id like ami-0123456789abcdef0; got "${imageId}"`);
  return imageId;
}

/** The image as it is: a stack synthesized without a region cannot key a map of regions by it. */
export function pinnedImage(owner: string, imageId: string): IMachineImage {
  checkedImageId(owner, imageId);
  return { getImage: () => ({ imageId, osType: OperatingSystemType.LINUX, userData: UserData.forLinux() }) };
}
