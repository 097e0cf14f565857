package io.runstream.core.face;

import java.util.function.BiFunction;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Beans derived from the registered faces, one per {@link Face} bean: what Spring collects as a
 * list of beans (security filter chains, OpenAPI groups) cannot come from one {@code @Bean} method
 * per face without naming every face, so a post-processor registers one bean per face bean, made
 * from the face when it is first needed.
 */
public final class FaceBeans {
  private FaceBeans() {}

  /**
   * A post-processor that registers, for every bean of type {@link Face}, a bean named {@code <face
   * bean name><suffix>} of {@code type}, made by {@code make} from the bean factory and the face.
   */
  public static <T> BeanFactoryPostProcessor perFace(
      String suffix, Class<T> type, BiFunction<ListableBeanFactory, Face, T> make) {
    return beanFactory -> {
      if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
        throw new IllegalStateException("faces need a bean definition registry");
      }
      for (String faceBean : beanFactory.getBeanNamesForType(Face.class, true, false)) {
        RootBeanDefinition definition =
            new RootBeanDefinition(
                type, () -> make.apply(beanFactory, beanFactory.getBean(faceBean, Face.class)));
        registry.registerBeanDefinition(faceBean + suffix, definition);
      }
    };
  }
}
